using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Housekeeping;

/// <summary>How long finished sessions and spent or stale prekeys are kept before housekeeping removes them.</summary>
public sealed record HousekeepingPolicy
{
    /// <summary>A session family is removed once every one of its tokens expired or was revoked this long ago.</summary>
    public TimeSpan SessionGrace { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A claimed one-time prekey is never handed out again; it is kept this long after its claim.</summary>
    public TimeSpan ClaimedPrekeyAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>An unclaimed one-time prekey this old is dropped; clients upload fresh ones when their supply runs low.</summary>
    public TimeSpan UnclaimedPrekeyAge { get; init; } = TimeSpan.FromDays(180);
}

/// <summary>
/// Removes rows that only take space: finished session families and spent or stale one-time prekeys. Safe to run
/// while the server serves; each purge is one short write.
/// </summary>
public sealed class Housekeeping(ConfabDatabase database, TimeProvider clock)
{
    /// <summary>
    /// Whole session families whose every token expired or was revoked before the grace period. A family with any
    /// token still valid is kept whole, rotated tokens included: they are how a replayed refresh token is recognised.
    /// </summary>
    public Task<long> PurgeSessionsAsync(HousekeepingPolicy policy, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        const string Finished = """
            FROM auth_sessions WHERE family_id IN (
                SELECT family_id FROM auth_sessions GROUP BY family_id
                HAVING sum(CASE WHEN expires_at < @cutoff OR revoked_at < @cutoff THEN 0 ELSE 1 END) = 0)
            """;
        return RunAsync(Finished, new { cutoff = clock.Now() - policy.SessionGrace }, dryRun, cancellationToken);
    }

    /// <summary>One-time prekeys claimed before <see cref="HousekeepingPolicy.ClaimedPrekeyAge"/>, and unclaimed ones older than <see cref="HousekeepingPolicy.UnclaimedPrekeyAge"/>.</summary>
    public Task<long> PurgePrekeysAsync(HousekeepingPolicy policy, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var now = clock.Now();
        return RunAsync(
            "FROM one_time_prekeys WHERE claimed_at < @claimed OR (claimed_at IS NULL AND created_at < @unclaimed)",
            new { claimed = now - policy.ClaimedPrekeyAge, unclaimed = now - policy.UnclaimedPrekeyAge },
            dryRun,
            cancellationToken);
    }

    private async Task<long> RunAsync(string fromWhere, object args, bool dryRun, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) " + fromWhere, args, cancellationToken: cancellationToken));
        }

        return await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition("DELETE " + fromWhere, args, transaction, cancellationToken: cancellationToken)),
            cancellationToken);
    }
}
