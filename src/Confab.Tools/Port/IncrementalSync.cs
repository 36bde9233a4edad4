using System.Data.Common;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Confab.Tools.Verification;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Tools.Port;

/// <summary>
/// Brings a finished port up to date with its source: deletes the rows the source no longer has (children first),
/// then inserts and updates what is new or changed (parents first), each batch in its own transaction. Both sides
/// are read in key order and merged, from one snapshot of the source. Which rows changed is found per table by:
/// <list type="bullet">
/// <item>tables with an <c>updated_at</c> column (kept by triggers on every update, foreign-key actions included):
/// key and updated_at only — a row whose updated_at differs is copied again;</item>
/// <item>every other table: the whole row in canonical form — these change without a timestamp (a foreign key set
/// to NULL when its target is deleted, a prekey claimed, a session rotated), so only the content tells.</item>
/// </list>
/// New and deleted rows are found by key in both cases. A pass that is interrupted is simply run again: it converges.
/// </summary>
internal sealed class IncrementalSync(ConfabDatabase source, ConfabDatabase target, IReadOnlyList<PortTable> tables, RejectSet rejects, PortOptions options, IPortProgress progress, PortReport report)
{
    private readonly int batch = Math.Min(options.BatchSize, 500);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var sourceConnection = await source.OpenConnectionAsync(cancellationToken);
        await using var snapshot = await SourceSnapshot.BeginAsync(sourceConnection, cancellationToken);
        await using var targetReader = await target.OpenConnectionAsync(cancellationToken);
        await using var targetWriter = await target.OpenConnectionAsync(cancellationToken);
        await QuietAsync(targetWriter, cancellationToken);
        await PortState.SetAsync(targetWriter, null, "phase", "sync", cancellationToken);

        foreach (var table in tables.Reverse())
        {
            progress.WorkStarted("sync", $"{table.Name} (deletes)", report.Table(table.Name).SourceRows);
            await DeleteMissingAsync(table, sourceConnection, targetReader, targetWriter, cancellationToken);
            progress.WorkFinished("sync", $"{table.Name} (deletes)");
        }

        foreach (var table in tables)
        {
            progress.WorkStarted("sync", table.Name, report.Table(table.Name).SourceRows);
            await CopyChangedAsync(table, sourceConnection, targetReader, targetWriter, cancellationToken);
            progress.WorkFinished("sync", table.Name);
        }
    }

    private async Task DeleteMissingAsync(PortTable table, DbConnection sourceConnection, DbConnection targetReader, DbConnection targetWriter, CancellationToken cancellationToken)
    {
        var keyColumns = table.Key.Select(k => table.Target.Column(k)!).ToList();
        var writer = new RowWriter(targetWriter, table);
        var pending = new List<string[]>();
        await foreach (var (s, t) in MergeAsync(table, keyColumns, sourceConnection, targetReader, cancellationToken))
        {
            if (s is null)
            {
                pending.Add(t!.Key);
                if (pending.Count == batch)
                {
                    await DeleteAsync(writer, targetWriter, table, pending, cancellationToken);
                }
            }
        }

        await DeleteAsync(writer, targetWriter, table, pending, cancellationToken);
    }

    private async Task DeleteAsync(RowWriter writer, DbConnection connection, PortTable table, List<string[]> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        await using var transaction = await BeginAsync(connection, cancellationToken);
        report.Table(table.Name).Deleted += await writer.DeleteAsync(transaction, keys, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        keys.Clear();
    }

    private async Task CopyChangedAsync(PortTable table, DbConnection sourceConnection, DbConnection targetReader, DbConnection targetWriter, CancellationToken cancellationToken)
    {
        var updatedAt = table.Target.Column("updated_at") is { Type: LogicalType.Timestamp } stamp ? stamp : null;
        var compared = updatedAt is null
            ? table.Target.Columns.ToList()
            : table.Key.Select(k => table.Target.Column(k)!).Append(updatedAt).ToList();
        var tableReport = report.Table(table.Name);
        tableReport.ChangeDetection = updatedAt is null ? "content of every column" : "key and updated_at";
        var selfReferences = table.Target.ForeignKeys.Where(f => f.ReferencedTable == table.Name && f.Columns.Count == 1).Select(f => f.Columns[0]).ToList();
        var deferred = new List<(string[] Key, string Column, object Value)>();
        var writer = new RowWriter(targetWriter, table);
        var pending = new List<(string[] Key, bool Insert)>();
        await foreach (var (s, t) in MergeAsync(table, compared, sourceConnection, targetReader, cancellationToken))
        {
            if (s is not null && (t is null || !s.Values.AsSpan().SequenceEqual(t.Values)) && !rejects.Contains(table.Name, string.Join("|", s.Key)))
            {
                pending.Add((s.Key, t is null));
                if (pending.Count == batch)
                {
                    await UpsertAsync(table, sourceConnection, writer, targetWriter, pending, selfReferences, deferred, cancellationToken);
                }
            }
        }

        await UpsertAsync(table, sourceConnection, writer, targetWriter, pending, selfReferences, deferred, cancellationToken);

        // A row may refer to one of the same table copied after it: such references are set once all rows are in.
        foreach (var chunk in deferred.Chunk(batch))
        {
            await using var transaction = await BeginAsync(targetWriter, cancellationToken);
            foreach (var (key, column, value) in chunk)
            {
                await writer.SetAsync(transaction, key, column, value, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task UpsertAsync(
        PortTable table,
        DbConnection sourceConnection,
        RowWriter writer,
        DbConnection targetWriter,
        List<(string[] Key, bool Insert)> pending,
        IReadOnlyList<string> selfReferences,
        List<(string[] Key, string Column, object Value)> deferred,
        CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var sqlite = sourceConnection is SqliteConnection;
        await using var command = sourceConnection.CreateCommand();
        command.CommandText = $"SELECT {table.QuotedColumns} FROM {PortTable.Quote(table.Name)} WHERE {RowWriter.KeyFilter(command, pending.Select(p => p.Key).ToList(), table, sqlite)}";
        await using var transaction = await BeginAsync(targetWriter, cancellationToken);
        var selfOrdinals = selfReferences.Select(c => table.Columns.ToList().IndexOf(c)).ToArray();
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var values = new object?[table.Columns.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = PortValues.Read(reader, i, table.Types[i], sqlite);
                }

                foreach (var ordinal in selfOrdinals.Where(o => values[o] is not null))
                {
                    var key = RejectSet.Key(table.KeyOrdinals.Select(o => values[o]).ToArray(), keyTypes).Split('|');
                    deferred.Add((key, table.Columns[ordinal], values[ordinal]!));
                    values[ordinal] = null;
                }

                await writer.UpsertAsync(transaction, values, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        var tableReport = report.Table(table.Name);
        tableReport.Inserted += pending.Count(p => p.Insert);
        tableReport.Updated += pending.Count(p => !p.Insert);
        tableReport.Copied += pending.Count;
        progress.Advanced("sync", table.Name, tableReport.Copied);
        pending.Clear();
    }

    /// <summary>Both sides in key order, paired by key: (source, target), either null where the other side has no such key.</summary>
    private static async IAsyncEnumerable<(CanonicalRow? Source, CanonicalRow? Target)> MergeAsync(
        PortTable table, IReadOnlyList<ColumnSchema> columns, DbConnection sourceConnection, DbConnection targetConnection,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        await using var sourceRows = RowStream.ReadAsync(sourceConnection, table.Source, columns, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var targetList = RowStream.ReadAsync(targetConnection, table.Target, columns, cancellationToken);
        await using var targetRows = targetList.GetAsyncEnumerator(cancellationToken);
        var s = await sourceRows.MoveNextAsync() ? sourceRows.Current : null;
        var t = await targetRows.MoveNextAsync() ? targetRows.Current : null;
        while (s is not null || t is not null)
        {
            var order = s is null ? 1 : t is null ? -1 : RowStream.CompareKeys(s.Key, t.Key, keyTypes);
            yield return (order <= 0 ? s : null, order >= 0 ? t : null);
            if (order <= 0)
            {
                s = await sourceRows.MoveNextAsync() ? sourceRows.Current : null;
            }

            if (order >= 0)
            {
                t = await targetRows.MoveNextAsync() ? targetRows.Current : null;
            }
        }
    }

    private static async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (connection is NpgsqlConnection npgsql)
        {
            await using var quiet = new NpgsqlCommand("SELECT set_config('confab.signals', 'off', true)", npgsql, (NpgsqlTransaction)transaction);
            await quiet.ExecuteNonQueryAsync(cancellationToken);
        }

        return transaction;
    }

    private static async Task QuietAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (connection is SqliteConnection)
        {
            // Deletions arrive children first and rows parents first, but a batch may still hold a row whose
            // parent comes in a later batch of the same table; the port's final check covers the whole database.
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA foreign_keys = OFF";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
