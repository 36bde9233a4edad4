using System.Data.Common;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Npgsql;

namespace Confab.Tools.Port;

/// <summary>
/// Row-at-a-time changes for an incremental pass: an upsert by primary key (every column from the source) and a
/// delete by key, prepared once per table and bound by position. Values are the plain .NET values of
/// <see cref="PortValues"/>; each engine gets them in the form it stores.
/// </summary>
internal sealed class RowWriter(DbConnection connection, PortTable table)
{
    private readonly bool sqlite = connection is not NpgsqlConnection;

    public async Task UpsertAsync(DbTransaction transaction, object?[] values, CancellationToken cancellationToken)
    {
        var updates = table.Columns.Where(c => !table.Key.Contains(c)).Select(c => $"{PortTable.Quote(c)} = excluded.{PortTable.Quote(c)}").ToList();
        var overriding = !sqlite && table.Target.Columns.Any(c => c.Identity) ? " OVERRIDING SYSTEM VALUE" : string.Empty;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"INSERT INTO {PortTable.Quote(table.Name)} ({table.QuotedColumns}){overriding} VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"@p{i}"))}) "
            + $"ON CONFLICT ({string.Join(", ", table.Key.Select(PortTable.Quote))}) "
            + (updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates));
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.Add(Parameter(command, $"@p{i}", values[i], table.Types[i]));
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteAsync(DbTransaction transaction, IReadOnlyList<string[]> keys, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM {PortTable.Quote(table.Name)} WHERE {KeyFilter(command, keys, table, sqlite)}";
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task SetAsync(DbTransaction transaction, string[] key, string column, object? value, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var ordinal = table.Columns.ToList().IndexOf(column);
        command.Parameters.Add(Parameter(command, "@v", value, table.Types[ordinal]));
        command.CommandText = $"UPDATE {PortTable.Quote(table.Name)} SET {PortTable.Quote(column)} = @v WHERE {KeyFilter(command, [key], table, sqlite)}";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>"(k1, k2) IN (VALUES (...), ...)" over canonical keys, with parameters in the engine's form.</summary>
    public static string KeyFilter(DbCommand command, IReadOnlyList<string[]> keys, PortTable table, bool sqlite)
    {
        var rows = new List<string>();
        for (var r = 0; r < keys.Count; r++)
        {
            var names = new List<string>();
            for (var k = 0; k < table.Key.Count; k++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@k{r}_{k}";
                parameter.Value = PortValues.FromCanonical(keys[r][k], table.Types[table.KeyOrdinals[k]], sqlite);
                command.Parameters.Add(parameter);
                names.Add(parameter.ParameterName);
            }

            rows.Add("(" + string.Join(", ", names) + ")");
        }

        return $"({string.Join(", ", table.Key.Select(PortTable.Quote))}) IN (VALUES {string.Join(", ", rows)})";
    }

    private DbParameter Parameter(DbCommand command, string name, object? value, LogicalType type)
    {
        if (!sqlite)
        {
            return new NpgsqlParameter(name, PostgresTypes.For(type))
            {
                Value = value switch
                {
                    null => DBNull.Value,
                    JsonText json => json.Text,
                    _ => value,
                },
            };
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            Guid g => SqliteValues.Uuid(g),
            DateTime dt => SqliteValues.Instant(dt),
            bool b => b ? 1L : 0L,
            JsonText json => json.Text,
            _ => value,
        };
        return parameter;
    }
}
