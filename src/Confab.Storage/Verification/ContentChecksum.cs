using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confab.Storage.Engines;
using Confab.Storage.Schema;

namespace Confab.Storage.Verification;

/// <summary>
/// Row counts and SHA-256 checksums of table contents over a canonical encoding, so that the same data gives the
/// same checksum on either engine: UUIDs as lowercase text, instants as UTC microseconds, booleans as 0/1,
/// JSON with sorted keys, bytes as hex. Rows are read in primary-key order.
/// </summary>
public static class ContentChecksum
{
    public static async Task<IReadOnlyDictionary<string, TableChecksum>> ComputeAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var schema = await SchemaReader.ReadAsync(database, cancellationToken);
        var result = new SortedDictionary<string, TableChecksum>(StringComparer.Ordinal);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var table in schema.Tables.Where(t => t.Kind == TableKind.Regular && t.Name != "schema_migrations"))
        {
            result[table.Name] = await ComputeAsync(connection, table, cancellationToken);
        }

        return result;
    }

    public static async Task<TableChecksum> ComputeAsync(DbConnection connection, TableSchema table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        var columns = string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""));
        // Text keys sort by bytes on both engines: SQLite's BINARY collation, PostgreSQL's "C".
        var byteOrder = connection is Npgsql.NpgsqlConnection ? " COLLATE \"C\"" : string.Empty;
        var order = string.Join(", ", (table.PrimaryKey.Count > 0 ? table.PrimaryKey : table.Columns.Select(c => c.Name))
            .Select(c => table.Column(c)?.Type == LogicalType.Text ? $"\"{c}\"{byteOrder}" : $"\"{c}\""));
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {columns} FROM \"{table.Name}\" ORDER BY {order}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new StringBuilder();
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            line.Clear();
            for (var i = 0; i < table.Columns.Count; i++)
            {
                line.Append(i == 0 ? string.Empty : "\u001f").Append(Canonical(reader.IsDBNull(i) ? null : reader.GetValue(i), table.Columns[i].Type));
            }

            hash.AppendData(Encoding.UTF8.GetBytes(line.Append('\n').ToString()));
            rows++;
        }

        return new TableChecksum(rows, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>
    /// The canonical text of one value; equal values of either engine give equal text. A value that does not fit its
    /// type (text in a timestamp column of an SQLite file) is marked as such rather than failing the comparison.
    /// </summary>
    public static string Canonical(object? value, LogicalType type)
    {
        try
        {
            return CanonicalOf(value, type);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidCastException or OverflowException)
        {
            return "\u2047" + Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }

    private static string CanonicalOf(object? value, LogicalType type) => value switch
    {
        null => "\u2400",
        _ => type switch
        {
            LogicalType.Uuid => value is Guid g ? SqliteValues.Uuid(g) : ((string)value).ToLowerInvariant(),
            LogicalType.Timestamp => value switch
            {
                DateTime dt => SqliteValues.Instant(dt),
                DateTimeOffset dto => SqliteValues.Instant(dto),
                string s => SqliteValues.Instant(SqliteValues.ParseInstant(s)),
                _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
            },
            LogicalType.Boolean => value switch
            {
                bool b => b ? "1" : "0",
                _ => Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0 ? "1" : "0",
            },
            LogicalType.Json => CanonicalJson(Convert.ToString(value, CultureInfo.InvariantCulture)!),
            LogicalType.Bytes => Convert.ToHexStringLower((byte[])value),
            LogicalType.Int16 or LogicalType.Int32 or LogicalType.Int64 => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        },
    };

    private static string CanonicalJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, document.RootElement);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}

public sealed record TableChecksum(long Rows, string Sha256);
