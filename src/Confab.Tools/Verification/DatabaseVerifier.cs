using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Confab.Tools.Port;

namespace Confab.Tools.Verification;

/// <summary>
/// Compares two Confab databases of either engine, independently of how the data got there. Each table is read in
/// key order from both sides at once and merged by key; rows are hashed (SHA-256 over the canonical encoding) in
/// chunks of consecutive keys, so a difference is placed in a key range, and the merge names the rows themselves:
/// missing in the target, extra in the target, or different (with the columns that differ).
/// </summary>
public static class DatabaseVerifier
{
    public const int ChunkRows = 10_000;
    public const int KeyCap = 100;

    /// <param name="rejected">Keys (canonical, per table) a port rejected on purpose: missing in the target, they are counted as rejected, not as differences.</param>
    public static async Task<VerifyReport> VerifyAsync(
        ConfabDatabase source,
        ConfabDatabase target,
        IPortProgress? progress,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? rejected = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        progress ??= NoPortProgress.Instance;
        var clock = Stopwatch.StartNew();
        var report = new VerifyReport { Source = source.Target.Display, Target = target.Target.Display };
        var sourceSchema = await SchemaReader.ReadAsync(source, cancellationToken);
        var targetSchema = await SchemaReader.ReadAsync(target, cancellationToken);
        var sourceTables = PortSchema.DataTables(sourceSchema).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var targetTables = PortSchema.DataTables(targetSchema).ToDictionary(t => t.Name, StringComparer.Ordinal);
        report.Problems.AddRange(sourceTables.Keys.Except(targetTables.Keys).Order(StringComparer.Ordinal).Select(t => $"table {t} is missing in the target"));
        report.Problems.AddRange(targetTables.Keys.Except(sourceTables.Keys).Order(StringComparer.Ordinal).Select(t => $"table {t} is only in the target"));

        await using var sourceConnection = await source.OpenConnectionAsync(cancellationToken);
        await using var targetConnection = await target.OpenConnectionAsync(cancellationToken);
        foreach (var name in sourceTables.Keys.Intersect(targetTables.Keys).Order(StringComparer.Ordinal))
        {
            var (s, t) = (sourceTables[name], targetTables[name]);
            var columns = t.Columns.Where(c => s.Column(c.Name)?.Type == c.Type).ToList();
            var mismatched = t.Columns.Select(c => c.Name).Except(columns.Select(c => c.Name))
                .Concat(s.Columns.Select(c => c.Name).Except(t.Columns.Select(c => c.Name))).ToList();
            if (mismatched.Count > 0 || t.PrimaryKey.Count == 0 || !s.PrimaryKey.SequenceEqual(t.PrimaryKey))
            {
                report.Problems.Add($"table {name}: columns or key differ ({string.Join(", ", mismatched.DefaultIfEmpty("primary key"))}); rows not compared");
                continue;
            }

            progress.WorkStarted("verify", name, -1);
            var skip = rejected?.GetValueOrDefault(name) ?? new HashSet<string>();
            report.Tables.Add(await CompareTableAsync(sourceConnection, targetConnection, t, columns, skip, progress, cancellationToken));
            progress.WorkFinished("verify", name);
        }

        report.Seconds = clock.Elapsed.TotalSeconds;
        return report;
    }

    private static async Task<TableVerification> CompareTableAsync(
        System.Data.Common.DbConnection sourceConnection,
        System.Data.Common.DbConnection targetConnection,
        TableSchema table,
        IReadOnlyList<ColumnSchema> columns,
        IReadOnlySet<string> rejected,
        IPortProgress progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sourceRows = Pump(RowStream.ReadAsync(sourceConnection, table, columns, cancel.Token), cancel.Token);
        var targetRows = Pump(RowStream.ReadAsync(targetConnection, table, columns, cancel.Token), cancel.Token);
        var result = new TableVerification { Name = table.Name };
        var keyTypes = table.PrimaryKey.Select(k => table.Column(k)!.Type).ToArray();
        var merge = new ChunkedMerge(result, columns, rejected);
        try
        {
            var s = await NextAsync(sourceRows.Reader, cancel.Token);
            var t = await NextAsync(targetRows.Reader, cancel.Token);
            while (s is not null || t is not null)
            {
                var order = s is null ? 1 : t is null ? -1 : RowStream.CompareKeys(s.Key, t.Key, keyTypes);
                if (order <= 0)
                {
                    merge.Source(s!, order == 0 ? t : null);
                    if (result.SourceRows % ChunkRows == 0)
                    {
                        progress.Advanced("verify", table.Name, result.SourceRows);
                    }
                }
                else
                {
                    merge.TargetOnly(t!);
                }

                if (order <= 0)
                {
                    s = await NextAsync(sourceRows.Reader, cancel.Token);
                }

                if (order >= 0)
                {
                    t = await NextAsync(targetRows.Reader, cancel.Token);
                }
            }

            merge.Finish();
            progress.Advanced("verify", table.Name, result.SourceRows);
        }
        finally
        {
            await cancel.CancelAsync();
            await Drain(sourceRows.Completion);
            await Drain(targetRows.Completion);
        }

        result.Seconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    private static async ValueTask<CanonicalRow?> NextAsync(ChannelReader<CanonicalRow> reader, CancellationToken cancellationToken) =>
        await reader.WaitToReadAsync(cancellationToken) && reader.TryRead(out var row) ? row : null;

    /// <summary>Reads one side on its own task, a bounded distance ahead of the merge.</summary>
    private static (ChannelReader<CanonicalRow> Reader, Task Completion) Pump(IAsyncEnumerable<CanonicalRow> rows, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<CanonicalRow>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        var completion = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var row in rows.WithCancellation(cancellationToken))
                    {
                        await channel.Writer.WriteAsync(row, cancellationToken);
                    }

                    channel.Writer.Complete();
                }
                catch (Exception ex)
                {
                    channel.Writer.Complete(ex);
                    throw;
                }
            },
            cancellationToken);
        return (channel.Reader, completion);
    }

    private static async Task Drain(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The merge has already seen this failure through the channel, or finished or failed first itself;
            // its own outcome is what counts. Waiting here frees the connection for the next table.
        }
    }

    /// <summary>The merge's bookkeeping: chunk checksums over source-defined key ranges, and the differing keys.</summary>
    private sealed class ChunkedMerge(TableVerification result, IReadOnlyList<ColumnSchema> columns, IReadOnlySet<string> rejected)
    {
        private readonly IncrementalHash sourceChunk = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash targetChunk = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash sourceTable = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash targetTable = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long chunkSourceRows;
        private long chunkTargetRows;
        private string? firstKey;
        private string? lastKey;

        public void Source(CanonicalRow source, CanonicalRow? target)
        {
            if (chunkSourceRows == ChunkRows)
            {
                CloseChunk();
            }

            Track(source.Key);
            Add(sourceChunk, source);
            chunkSourceRows++;
            result.SourceRows++;
            if (target is null)
            {
                if (rejected.Contains(string.Join("|", source.Key)))
                {
                    result.Rejected++;
                }
                else
                {
                    Differ(source.Key, "missing_in_target", null);
                }

                return;
            }

            Add(targetChunk, target);
            chunkTargetRows++;
            result.TargetRows++;
            if (!source.Values.AsSpan().SequenceEqual(target.Values))
            {
                var differing = columns.Where((_, i) => source.Values[i] != target.Values[i]).Select(c => c.Name).ToList();
                Differ(source.Key, "different", differing);
            }
        }

        public void TargetOnly(CanonicalRow target)
        {
            Track(target.Key);
            Add(targetChunk, target);
            chunkTargetRows++;
            result.TargetRows++;
            Differ(target.Key, "extra_in_target", null);
        }

        public void Finish()
        {
            CloseChunk();
            result.SourceChecksum = Convert.ToHexStringLower(sourceTable.GetHashAndReset());
            result.TargetChecksum = Convert.ToHexStringLower(targetTable.GetHashAndReset());
        }

        private void Track(string[] key)
        {
            var text = string.Join("|", key);
            firstKey ??= text;
            lastKey = text;
        }

        private void Differ(string[] key, string kind, IReadOnlyList<string>? differing)
        {
            result.Differences++;
            if (result.DifferingKeys.Count < KeyCap)
            {
                result.DifferingKeys.Add(new KeyDifference(string.Join("|", key), kind, differing));
            }
        }

        private static void Add(IncrementalHash hash, CanonicalRow row) => ContentFingerprint.AppendRow(hash, row);

        private void CloseChunk()
        {
            if (chunkSourceRows == 0 && chunkTargetRows == 0)
            {
                return;
            }

            var s = sourceChunk.GetHashAndReset();
            var t = targetChunk.GetHashAndReset();
            sourceTable.AppendData(s);
            targetTable.AppendData(t);
            result.Chunks++;
            if (!s.AsSpan().SequenceEqual(t) && result.DifferingChunks.Count < KeyCap)
            {
                result.DifferingChunks.Add(new ChunkDifference(firstKey!, lastKey!, chunkSourceRows, chunkTargetRows, Convert.ToHexStringLower(s), Convert.ToHexStringLower(t)));
            }

            chunkSourceRows = chunkTargetRows = 0;
            firstKey = lastKey = null;
        }
    }
}
