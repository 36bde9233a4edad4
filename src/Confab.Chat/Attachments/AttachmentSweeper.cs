using Confab.Chat.Files;
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

    private readonly ContentFiles stored = new(dataDirectory, AttachmentStore.Folder);

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

        var (files, bytes) = await stored.SweepAsync(clock.GetUtcNow().UtcDateTime - policy.FileGrace, ReferencedAsync, Batch, cancellationToken);
        return new AttachmentSweepResult(rows, files, bytes);
    }

    private async Task<IReadOnlySet<string>> ReferencedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var hashes = keys.Select(Convert.FromHexString).ToList();
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
