using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Confab.Storage.Schema;
using SQLitePCL;

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

    /// <summary>
    /// One pass over the table on SQLite's own statement API: values are looked at where SQLite keeps them (text as
    /// its raw bytes, so invalid UTF-8 is seen rather than replaced), without a .NET object per value.
    /// </summary>
    private Task ScanValuesAsync(PortTable table, RejectSet rejects, IPortProgress progress, CancellationToken cancellationToken)
    {
        var handle = ((Microsoft.Data.Sqlite.SqliteConnection)source).Handle!;
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        var rc = raw.sqlite3_prepare_v2(handle, $"SELECT {table.QuotedColumns} FROM {PortTable.Quote(table.Name)}", out var statement);
        Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc, handle);
        using (statement)
        {
            long rows = 0;
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                for (var i = 0; i < table.Types.Length; i++)
                {
                    if (Problem(statement, i, table.Types[i]) is { } problem)
                    {
                        var key = table.KeyOrdinals.Select(o => KeyValue(statement, o)).ToArray();
                        rejects.Add(table.Name, key, keyTypes, $"{table.Columns[i]}: {problem}");
                    }
                }

                if (++rows % 100_000 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress.Advanced("preflight", table.Name, rows);
                }
            }

            Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_DONE ? 0 : rc, handle);
        }

        return Task.CompletedTask;
    }

    private static object? KeyValue(sqlite3_stmt statement, int i) => raw.sqlite3_column_type(statement, i) switch
    {
        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(statement, i),
        raw.SQLITE_NULL => null,
        _ => Encoding.UTF8.GetString(raw.sqlite3_column_blob(statement, i)),
    };

    /// <summary>Why PostgreSQL would refuse (or silently alter) the value, or null when it fits.</summary>
    private static string? Problem(sqlite3_stmt statement, int i, LogicalType type)
    {
        switch (raw.sqlite3_column_type(statement, i))
        {
            case raw.SQLITE_NULL:
                return null;
            case raw.SQLITE_TEXT:
                var bytes = raw.sqlite3_column_blob(statement, i);
                if (!Utf8.IsValid(bytes))
                {
                    return "invalid UTF-8";
                }

                if (bytes.Contains((byte)0))
                {
                    return "NUL character (PostgreSQL text cannot hold one)";
                }

                return type switch
                {
                    LogicalType.Text => null,
                    LogicalType.Uuid => Guid.TryParseExact(Encoding.ASCII.GetString(bytes), "D", out _) ? null : "not a UUID",
                    LogicalType.Timestamp => PortValues.IsInstant(Encoding.UTF8.GetString(bytes)) ? null : "not an instant in Confab's format (yyyy-MM-ddTHH:mm:ss.ffffffZ)",
                    LogicalType.Json => JsonProblem(bytes),
                    _ => $"text where {type} belongs",
                };
            case raw.SQLITE_INTEGER:
                var value = raw.sqlite3_column_int64(statement, i);
                return type switch
                {
                    LogicalType.Int64 or LogicalType.Double or LogicalType.Decimal => null,
                    LogicalType.Int32 => value is >= int.MinValue and <= int.MaxValue ? null : $"{value} is out of range for a 32-bit integer",
                    LogicalType.Int16 => value is >= short.MinValue and <= short.MaxValue ? null : $"{value} is out of range for a 16-bit integer",
                    LogicalType.Boolean => value is 0 or 1 ? null : $"{value} is not a boolean (0 or 1)",
                    _ => $"an integer where {type} belongs",
                };
            case raw.SQLITE_FLOAT:
                return type is LogicalType.Double or LogicalType.Decimal ? null : $"a real number where {type} belongs";
            default:
                return type == LogicalType.Bytes ? null : $"binary data where {type} belongs";
        }
    }

    private static string? JsonProblem(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                // jsonb refuses the escaped NUL character.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && reader.GetString()!.Contains('\0', StringComparison.Ordinal))
                {
                    return "JSON with a \\u0000 escape (PostgreSQL jsonb cannot hold one)";
                }
            }

            return reader.BytesConsumed == json.Length || json[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty ? null : "not valid JSON";
        }
        catch (JsonException)
        {
            return "not valid JSON";
        }
    }

    /// <summary>
    /// Foreign keys SQLite did not enforce. A single-column reference is checked by merging the child's distinct
    /// values with the parent's keys, both in index order: two sequential scans instead of a probe per row. Only the
    /// values found missing are then looked up for the rows that hold them.
    /// </summary>
    private async Task FindDanglingAsync(PortTable table, RejectSet rejects, CancellationToken cancellationToken)
    {
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        foreach (var fk in table.Source.ForeignKeys)
        {
            var reason = $"({string.Join(", ", fk.Columns)}) refers to a {fk.ReferencedTable} row that does not exist";
            string sql;
            var values = new List<object>();
            if (fk.Columns.Count == 1)
            {
                values = await MissingReferencesAsync(table.Name, fk.Columns[0], fk.ReferencedTable, fk.ReferencedColumns[0], cancellationToken);
                if (values.Count == 0)
                {
                    continue;
                }

                sql = $"SELECT {string.Join(", ", table.Key.Select(PortTable.Quote))} FROM {PortTable.Quote(table.Name)} WHERE {PortTable.Quote(fk.Columns[0])} IN ({string.Join(", ", values.Select((_, i) => $"@v{i}"))})";
            }
            else
            {
                var present = string.Join(" AND ", fk.Columns.Select(c => $"c.{PortTable.Quote(c)} IS NOT NULL"));
                var match = string.Join(" AND ", fk.Columns.Zip(fk.ReferencedColumns).Select(p => $"p.{PortTable.Quote(p.Second)} = c.{PortTable.Quote(p.First)}"));
                sql = $"""
                    SELECT {string.Join(", ", table.Key.Select(k => "c." + PortTable.Quote(k)))}
                    FROM {PortTable.Quote(table.Name)} c
                    WHERE {present} AND NOT EXISTS (SELECT 1 FROM {PortTable.Quote(fk.ReferencedTable)} p WHERE {match})
                    """;
            }

            await using var command = source.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Count; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@v{i}";
                parameter.Value = values[i];
                command.Parameters.Add(parameter);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = Enumerable.Range(0, table.Key.Count).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray();
                rejects.Add(table.Name, key, keyTypes, reason);
            }
        }
    }

    /// <summary>Values of child.column that parent.key does not have (capped at 1,000: enough to report and reject in batches).</summary>
    private async Task<List<object>> MissingReferencesAsync(string child, string column, string parent, string key, CancellationToken cancellationToken)
    {
        var missing = new List<object>();
        await using var childCommand = source.CreateCommand();
        childCommand.CommandText = $"SELECT DISTINCT {PortTable.Quote(column)} FROM {PortTable.Quote(child)} WHERE {PortTable.Quote(column)} IS NOT NULL ORDER BY 1";
        await using var parentCommand = source.CreateCommand();
        parentCommand.CommandText = $"SELECT {PortTable.Quote(key)} FROM {PortTable.Quote(parent)} WHERE {PortTable.Quote(key)} IS NOT NULL ORDER BY 1";
        await using var children = await childCommand.ExecuteReaderAsync(cancellationToken);
        await using var parents = await parentCommand.ExecuteReaderAsync(cancellationToken);
        var hasParent = await parents.ReadAsync(cancellationToken);
        while (await children.ReadAsync(cancellationToken) && missing.Count < 1000)
        {
            var value = children.GetValue(0);
            var order = 1;
            while (hasParent && (order = SqliteOrder(parents.GetValue(0), value)) < 0)
            {
                hasParent = await parents.ReadAsync(cancellationToken);
            }

            if (!hasParent || order != 0)
            {
                missing.Add(value);
            }
        }

        return missing;
    }

    /// <summary>SQLite's BINARY order: integers before text, integers by value, text by bytes (code points).</summary>
    private static int SqliteOrder(object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (long, _) => -1,
        (_, long) => 1,
        (string x, string y) => Verification.RowStream.CodePointOrder(x, y),
        _ => string.CompareOrdinal(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture), Convert.ToString(b, System.Globalization.CultureInfo.InvariantCulture)),
    };
}
