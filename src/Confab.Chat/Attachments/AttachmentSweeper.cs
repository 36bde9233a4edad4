using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Attachments;

/// <summary>What the attachment sweep may remove, and how long it waits first.</summary>
public sealed record AttachmentSweepPolicy
{
    /// <summary>An upload never attached to a message is dropped after this.</summary>
    public TimeSpan UnsentUploadAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A file younger than this is never removed: an upload moves its file into place before its row commits, and
    /// a second upload of the same bytes touches the file before its row commits.
    /// </summary>
    public TimeSpan FileGrace { get; init; } = TimeSpan.FromHours(1);
}

public sealed record AttachmentSweepResult(long Rows, long Files, long Bytes);

/// <summary>
/// Deletes what no one can fetch any more: attachment rows of deleted messages and of uploads never sent, then every
/// stored file that no attachment row names (account deletion and retention remove their rows; files are shared by
/// content, so a file goes only when its last row has gone). Runs with the light maintenance.
/// </summary>
public sealed class AttachmentSweeper(ConfabDatabase database, TimeProvider clock, string dataDirectory)
{
    private const int Batch = 500;

    private readonly string root = Path.GetFullPath(Path.Combine(dataDirectory, "attachments"));

    public async Task<AttachmentSweepResult> SweepAsync(AttachmentSweepPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var rows = await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM attachments
                WHERE message_id IN (SELECT id FROM messages WHERE deleted_at IS NOT NULL)
                   OR (message_id IS NULL AND created_at < @unsent)
                """,
                new { unsent = clock.Now() - policy.UnsentUploadAge },
                transaction,
                cancellationToken: cancellationToken)),
            cancellationToken);

        long files = 0, bytes = 0;
        var cutoff = clock.GetUtcNow().UtcDateTime - policy.FileGrace;
        foreach (var batch in StoredFiles(cutoff).Chunk(Batch))
        {
            var referenced = await ReferencedAsync(batch.Select(f => Convert.FromHexString(f.Name)).ToList(), cancellationToken);
            foreach (var file in batch.Where(f => !referenced.Contains(f.Name)))
            {
                // Looked at again just before: a concurrent upload of the same bytes touches the file first.
                file.Refresh();
                if (file.Exists && file.LastWriteTimeUtc < cutoff)
                {
                    bytes += file.Length;
                    file.Delete();
                    files++;
                }
            }
        }

        return new AttachmentSweepResult(rows, files, bytes);
    }

    /// <summary>Stored files (named by the hex SHA-256 of their bytes, two directory levels down) last written before <paramref name="cutoff"/>.</summary>
    private IEnumerable<FileInfo> StoredFiles(DateTime cutoff)
    {
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var first in Directory.EnumerateDirectories(root).Where(d => Path.GetFileName(d).Length == 2))
        {
            foreach (var second in Directory.EnumerateDirectories(first))
            {
                foreach (var path in Directory.EnumerateFiles(second))
                {
                    var file = new FileInfo(path);
                    if (file.Name.Length == 64 && file.Name.All(char.IsAsciiHexDigitLower) && file.LastWriteTimeUtc < cutoff)
                    {
                        yield return file;
                    }
                }
            }
        }
    }

    private async Task<HashSet<string>> ReferencedAsync(List<byte[]> hashes, CancellationToken cancellationToken)
    {
        // Named parameters, one per hash: Dapper would send a list to PostgreSQL as one array, which IN cannot take.
        var args = new DynamicParameters();
        for (var i = 0; i < hashes.Count; i++)
        {
            args.Add($"h{i}", hashes[i]);
        }

        var names = string.Join(", ", Enumerable.Range(0, hashes.Count).Select(i => $"@h{i}"));
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<byte[]>(new CommandDefinition(
            $"SELECT DISTINCT sha256 FROM attachments WHERE sha256 IN ({names})", args, cancellationToken: cancellationToken));
        return found.Select(Convert.ToHexStringLower).ToHashSet(StringComparer.Ordinal);
    }
}
