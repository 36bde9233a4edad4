using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Confab.Storage.Schema;

namespace Confab.Tools.Port;

/// <summary>
/// Finds, before anything is written, the rows of an SQLite source that PostgreSQL would refuse or change:
/// values that do not fit their declared type (SQLite stores anything anywhere), invalid UTF-8 and NUL characters,
/// foreign keys that point nowhere (SQLite enforces them only when asked), and values that are unique to SQLite but
/// equal to PostgreSQL under a case-insensitive unique index. Rows referring to a rejected row are rejected with it.
/// A PostgreSQL source needs none of this: its types, encoding and keys are enforced as it is written.
/// </summary>
internal sealed partial class BadRowScanner(DbConnection source, IReadOnlyList<PortTable> tables, bool unicodeLower)
{
    private const int CascadeBatch = 500;

    public async Task<RejectSet> ScanAsync(IPortProgress progress, long[] rowCounts, CancellationToken cancellationToken)
    {
        var rejects = new RejectSet();
        foreach (var table in tables)
        {
            progress.WorkStarted("preflight", table.Name, rowCounts[table.Order]);
            await ScanValuesAsync(table, rejects, progress, cancellationToken);
            await FindDanglingAsync(table, rejects, cancellationToken);
            if (unicodeLower)
            {
                await FindFoldedDuplicatesAsync(table, rejects, cancellationToken);
            }

            progress.WorkFinished("preflight", table.Name);
        }

        await CascadeAsync(rejects, cancellationToken);
        return rejects;
    }

    private async Task ScanValuesAsync(PortTable table, RejectSet rejects, IPortProgress progress, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand();
        command.CommandText = $"SELECT {table.QuotedColumns} FROM {PortTable.Quote(table.Name)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < table.Types.Length; i++)
            {
                if (!reader.IsDBNull(i) && Problem(reader, i, table.Types[i]) is { } problem)
                {
                    var key = table.KeyOrdinals.Select(o => reader.IsDBNull(o) ? null : reader.GetValue(o)).ToArray();
                    rejects.Add(table.Name, key, keyTypes, $"{table.Columns[i]}: {problem}");
                }
            }

            if (++rows % 100_000 == 0)
            {
                progress.Advanced("preflight", table.Name, rows);
            }
        }
    }

    /// <summary>Why PostgreSQL would refuse (or silently alter) the value, or null when it fits.</summary>
    private static string? Problem(DbDataReader reader, int i, LogicalType type)
    {
        var storage = reader.GetFieldType(i);
        if (storage == typeof(string))
        {
            var bytes = reader.GetFieldValue<byte[]>(i);
            if (!Utf8.IsValid(bytes))
            {
                return "invalid UTF-8";
            }

            if (bytes.AsSpan().Contains((byte)0))
            {
                return "NUL character (PostgreSQL text cannot hold one)";
            }

            var text = Encoding.UTF8.GetString(bytes);
            return type switch
            {
                LogicalType.Text => null,
                LogicalType.Uuid => Guid.TryParseExact(text, "D", out _) ? null : "not a UUID",
                LogicalType.Timestamp => PortValues.IsInstant(text) ? null : "not an instant in Confab's format (yyyy-MM-ddTHH:mm:ss.ffffffZ)",
                LogicalType.Json => JsonProblem(text),
                _ => $"text where {type} belongs",
            };
        }

        if (storage == typeof(long))
        {
            var value = reader.GetInt64(i);
            return type switch
            {
                LogicalType.Int64 or LogicalType.Double or LogicalType.Decimal => null,
                LogicalType.Int32 => value is >= int.MinValue and <= int.MaxValue ? null : $"{value} is out of range for a 32-bit integer",
                LogicalType.Int16 => value is >= short.MinValue and <= short.MaxValue ? null : $"{value} is out of range for a 16-bit integer",
                LogicalType.Boolean => value is 0 or 1 ? null : $"{value} is not a boolean (0 or 1)",
                _ => $"an integer where {type} belongs",
            };
        }

        if (storage == typeof(double))
        {
            return type is LogicalType.Double or LogicalType.Decimal ? null : $"a real number where {type} belongs";
        }

        return type == LogicalType.Bytes ? null : $"binary data where {type} belongs";
    }

    private static string? JsonProblem(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return "not valid JSON";
        }

        // jsonb refuses the escaped NUL character.
        return text.Contains("\\u0000", StringComparison.OrdinalIgnoreCase) ? "JSON with a \\u0000 escape (PostgreSQL jsonb cannot hold one)" : null;
    }

    private async Task FindDanglingAsync(PortTable table, RejectSet rejects, CancellationToken cancellationToken)
    {
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        foreach (var fk in table.Source.ForeignKeys)
        {
            var present = string.Join(" AND ", fk.Columns.Select(c => $"c.{PortTable.Quote(c)} IS NOT NULL"));
            var match = string.Join(" AND ", fk.Columns.Zip(fk.ReferencedColumns).Select(p => $"p.{PortTable.Quote(p.Second)} = c.{PortTable.Quote(p.First)}"));
            var sql = $"""
                SELECT {string.Join(", ", table.Key.Select(k => "c." + PortTable.Quote(k)))}
                FROM {PortTable.Quote(table.Name)} c
                WHERE {present} AND NOT EXISTS (SELECT 1 FROM {PortTable.Quote(fk.ReferencedTable)} p WHERE {match})
                """;
            await using var command = source.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = Enumerable.Range(0, table.Key.Count).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray();
                rejects.Add(table.Name, key, keyTypes, $"({string.Join(", ", fk.Columns)}) refers to a {fk.ReferencedTable} row that does not exist");
            }
        }
    }
}
