using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Confab.Storage.Bulk;
using Npgsql;

namespace Confab.Tools.Port;

/// <summary>
/// Copies one table from the source's read snapshot into the target in batches. Each batch is one target
/// transaction holding the rows and the checkpoint after them (binary COPY into PostgreSQL, a prepared INSERT into
/// SQLite), so a kill at any moment leaves either the whole batch and its checkpoint or neither. Memory stays at
/// one row in flight whatever the table's size. Out of SQLite the table is read in rowid order (the order its pages
/// are in); out of PostgreSQL in key order.
/// </summary>
internal sealed class TableCopier(DbConnection source, DbTransaction? sourceTransaction, DbConnection target, int batchSize, IPortProgress progress)
{
    public async Task<TableProgress> CopyAsync(PortTable table, TableProgress start, RejectSet rejects, TableReport report, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var sqlite = source is Microsoft.Data.Sqlite.SqliteConnection;
        var byRowid = sqlite && table.Source.Definition?.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase) != true;
        await using var command = source.CreateCommand();
        command.Transaction = sourceTransaction;
        command.CommandTimeout = 0;
        command.CommandText = SourceQuery(table, byRowid, start.Checkpoint, command, sqlite);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var offset = byRowid ? 1 : 0;
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        var hasRejects = rejects.In(table.Name).Count > 0;
        var values = new object?[table.Columns.Count];
        var progressNow = start;
        var exhausted = false;
        while (!exhausted)
        {
            await using var transaction = await target.BeginTransactionAsync(cancellationToken);
            if (target is NpgsqlConnection)
            {
                // Bulk rows announce nothing to live readers (the change-signal triggers check this setting).
                await using var quiet = new NpgsqlCommand("SELECT set_config('confab.signals', 'off', true)", (NpgsqlConnection)target, (NpgsqlTransaction)transaction);
                await quiet.ExecuteNonQueryAsync(cancellationToken);
            }

            long written = 0;
            long skipped = 0;
            object?[]? last = null;
            var lastKey = new object?[byRowid ? 1 : table.KeyOrdinals.Length];
            await using (var writer = await BulkTableWriter.BeginAsync(target, transaction, table.Target, table.Columns, cancellationToken))
            {
                while (written + skipped < batchSize)
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        exhausted = true;
                        break;
                    }

                    // A rejected row is recognised by its key as stored and skipped before its bad values are read.
                    if (hasRejects)
                    {
                        var stored = table.KeyOrdinals.Select(o => reader.IsDBNull(o + offset) ? null : reader.GetValue(o + offset)).ToArray();
                        if (rejects.Contains(table.Name, RejectSet.Key(stored, keyTypes)))
                        {
                            last = byRowid ? [reader.GetInt64(0)] : stored;
                            skipped++;
                            continue;
                        }
                    }

                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = PortValues.Read(reader, i + offset, table.Types[i], sqlite);
                    }

                    // The position of the last row written (its rowid out of SQLite), without an allocation per row.
                    if (byRowid)
                    {
                        lastKey[0] = reader.GetInt64(0);
                    }
                    else
                    {
                        for (var k = 0; k < lastKey.Length; k++)
                        {
                            lastKey[k] = values[table.KeyOrdinals[k]];
                        }
                    }

                    last = lastKey;
                    await writer.WriteAsync(values, cancellationToken);
                    written++;
                }

                await writer.CompleteAsync(cancellationToken);
            }

            progressNow = new TableProgress(last is null ? progressNow.Checkpoint : JsonSerializer.Serialize(last.Select(PortValues.ToCheckpoint).ToArray()), progressNow.Rows + written, exhausted);
            await PortState.SaveTableAsync(target, transaction, table.Name, progressNow, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            report.Copied += written;
            report.Rejected += skipped;
            progress.Advanced("copy", table.Name, progressNow.Rows);
        }

        report.Seconds += clock.Elapsed.TotalSeconds;
        return progressNow;
    }

    private static string SourceQuery(PortTable table, bool byRowid, string? checkpoint, DbCommand command, bool sqlite)
    {
        var from = PortTable.Quote(table.Name);
        if (byRowid)
        {
            var after = checkpoint is null ? string.Empty : " WHERE rowid > @after";
            if (checkpoint is not null)
            {
                Add(command, "@after", JsonSerializer.Deserialize<JsonElement[]>(checkpoint)![0].GetInt64());
            }

            return $"SELECT rowid, {table.QuotedColumns} FROM {from}{after} ORDER BY rowid";
        }

        var keys = string.Join(", ", table.Key.Select(PortTable.Quote));
        if (checkpoint is null)
        {
            return $"SELECT {table.QuotedColumns} FROM {from} ORDER BY {keys}";
        }

        var saved = JsonSerializer.Deserialize<JsonElement[]>(checkpoint)!;
        for (var i = 0; i < saved.Length; i++)
        {
            Add(command, $"@k{i}", PortValues.FromCheckpoint(saved[i], table.Types[table.KeyOrdinals[i]], sqlite));
        }

        return $"SELECT {table.QuotedColumns} FROM {from} WHERE ({keys}) > ({string.Join(", ", saved.Select((_, i) => $"@k{i}"))}) ORDER BY {keys}";
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
