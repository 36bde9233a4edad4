using Confab.Chat.Files;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Accounts;

public sealed record AvatarSweepResult(long Files, long Bytes);

/// <summary>
/// Deletes stored profile pictures that no account names any more (replaced, removed, or their account erased);
/// pictures are shared by content, so one goes only when the last account naming it has moved on. Runs with the
/// light maintenance, beside the attachment sweep.
/// </summary>
public sealed class AvatarSweeper(ConfabDatabase database, TimeProvider clock, string dataDirectory)
{
    /// <summary>
    /// A file younger than this is never removed: an upload moves its file into place, or touches the copy already
    /// there, before the account row naming it commits.
    /// </summary>
    public static readonly TimeSpan DefaultFileGrace = TimeSpan.FromHours(1);

    private const int Batch = 500;

    private readonly ContentFiles stored = new(dataDirectory, AvatarStore.Folder);

    public async Task<AvatarSweepResult> SweepAsync(TimeSpan fileGrace, CancellationToken cancellationToken)
    {
        var (files, bytes) = await stored.SweepAsync(clock.GetUtcNow().UtcDateTime - fileGrace, NamedAsync, Batch, cancellationToken);
        return new AvatarSweepResult(files, bytes);
    }

    private async Task<IReadOnlySet<string>> NamedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        // Named parameters, one per path: Dapper would send a list to PostgreSQL as one array, which IN cannot take.
        var args = new DynamicParameters();
        for (var i = 0; i < keys.Count; i++)
        {
            args.Add($"u{i}", AvatarStore.UrlPrefix + keys[i]);
        }

        var names = string.Join(", ", Enumerable.Range(0, keys.Count).Select(i => $"@u{i}"));
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT DISTINCT avatar_url FROM users WHERE {AvatarStore.UploadedRows} AND avatar_url IN ({names})", args, cancellationToken: cancellationToken));
        return found.Select(url => url[AvatarStore.UrlPrefix.Length..]).ToHashSet(StringComparer.Ordinal);
    }
}
