using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Confab.Tools.Port;

/// <summary>
/// Writes every rejected row, whole, as one JSON line: table, key, reasons and every column. Text that is not
/// valid UTF-8 and binary values are written as hex, so the row can be repaired and loaded by hand.
/// </summary>
internal static class RejectsFile
{
    public static async Task WriteAsync(string path, DbConnection source, IReadOnlyList<PortTable> tables, RejectSet rejects, CancellationToken cancellationToken)
    {
        var temporary = path + ".partial";
        await using (var stream = File.Create(temporary))
        {
            await using var writer = new Utf8JsonWriter(stream);
            foreach (var table in tables)
            {
                foreach (var row in rejects.In(table.Name))
                {
                    writer.WriteStartObject();
                    writer.WriteString("table", table.Name);
                    writer.WriteString("key", row.Key);
                    writer.WriteStartArray("reasons");
                    row.Reasons.ForEach(writer.WriteStringValue);
                    writer.WriteEndArray();
                    writer.WritePropertyName("row");
                    await WriteRowAsync(writer, source, table, row, cancellationToken);
                    writer.WriteEndObject();
                    await writer.FlushAsync(cancellationToken);
                    writer.Reset();
                    stream.WriteByte((byte)'\n');
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static async Task WriteRowAsync(Utf8JsonWriter writer, DbConnection source, PortTable table, Rejected row, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand();
        var where = new List<string>();
        for (var i = 0; i < table.Key.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@k{i}";
            parameter.Value = row.KeyValues[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
            where.Add($"{PortTable.Quote(table.Key[i])} = @k{i}");
        }

        command.CommandText = $"SELECT {table.QuotedColumns} FROM {PortTable.Quote(table.Name)} WHERE {string.Join(" AND ", where)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        writer.WriteStartObject();
        if (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < table.Columns.Count; i++)
            {
                writer.WritePropertyName(table.Columns[i]);
                WriteValue(writer, reader, i);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, DbDataReader reader, int i)
    {
        if (reader.IsDBNull(i))
        {
            writer.WriteNullValue();
            return;
        }

        var storage = reader.GetFieldType(i);
        if (storage == typeof(long))
        {
            writer.WriteNumberValue(reader.GetInt64(i));
        }
        else if (storage == typeof(double))
        {
            writer.WriteNumberValue(reader.GetDouble(i));
        }
        else if (storage == typeof(string))
        {
            var bytes = reader.GetFieldValue<byte[]>(i);
            if (Utf8.IsValid(bytes))
            {
                writer.WriteStringValue(Encoding.UTF8.GetString(bytes));
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("invalid_utf8_hex", Convert.ToHexStringLower(bytes));
                writer.WriteEndObject();
            }
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("hex", Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(i)));
            writer.WriteEndObject();
        }
    }
}
