using System.Data.Common;
using Confab.Chat.Audit;
using Confab.Chat.Sessions;
using Dapper;

namespace Confab.Chat.Accounts;

/// <summary>
/// Paces password guesses without letting anyone lock someone else out. Per account and client address: after
/// <see cref="SessionPolicy.FailuresBeforeLockout"/> failures in a row, each further attempt from that address waits
/// <see cref="SessionPolicy.LoginBackoff"/>, doubling per failure up to <see cref="SessionPolicy.LockoutWindow"/>; a
/// success from the address starts it afresh. Per account over all addresses: after
/// <see cref="SessionPolicy.AccountFailuresBeforeSlowdown"/> failures in a row, attempts are spaced by the first wait —
/// slowed, never refused outright. Counted from the audit log, so every node agrees.
/// </summary>
/// <remarks>
/// An attempt is claimed (<c>login.attempted</c>) under the user's lock before its password is checked, and counts as
/// a failure until a <c>login.succeeded</c> follows it: parallel guesses see each other, so at most the allowed number
/// of them are ever tried.
/// </remarks>
public sealed class LoginThrottle(SessionPolicy policy, TimeProvider clock)
{
    public const string Attempted = "login.attempted";

    /// <summary>Claims one attempt for <paramref name="userId"/> inside the caller's write transaction, or says how long to wait.</summary>
    public async Task<TimeSpan?> ClaimAsync(DbConnection connection, DbTransaction transaction, Guid userId, ClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await SessionStore.LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
        var now = clock.Now();
        var ip = client.Ip ?? string.Empty;
        var since = now - policy.FailureMemory;
        var successes = await connection.QuerySingleAsync<(long AnyAddress, long ThisAddress)>(new CommandDefinition(
            """
            SELECT coalesce(max(id), 0), coalesce(max(CASE WHEN coalesce(ip_address, '') = @ip THEN id END), 0)
            FROM audit_log WHERE actor_id = @userId AND action = 'login.succeeded' AND created_at > @since
            """,
            new { userId, ip, since },
            transaction,
            cancellationToken: cancellationToken));

        // Only the latest few matter: the wait stops growing at the cap, the account-wide rule at its threshold.
        var fromHere = await RecentAttemptsAsync(connection, transaction, userId, ip, since, successes.ThisAddress, policy.FailuresBeforeLockout + 32, cancellationToken);
        var fromAll = await RecentAttemptsAsync(connection, transaction, userId, null, since, successes.AnyAddress, policy.AccountFailuresBeforeSlowdown, cancellationToken);
        var wait = TimeSpan.Zero;
        string? scope = null;
        if (fromHere.Count >= policy.FailuresBeforeLockout)
        {
            wait = fromHere[0] + Backoff(fromHere.Count) - now;
            scope = "address";
        }

        if (fromAll.Count >= policy.AccountFailuresBeforeSlowdown && fromAll[0] + policy.LoginBackoff - now is var spacing && spacing > wait)
        {
            wait = spacing;
            scope = "account";
        }

        if (wait > TimeSpan.Zero)
        {
            await AuditLog.RecordAsync(connection, transaction, userId, "login.blocked", client, AuditSeverity.Warning,
                "user", userId.ToString(), new { scope, failures = fromHere.Count }, cancellationToken);
            return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
        }

        await AuditLog.RecordAsync(connection, transaction, userId, Attempted, client, AuditSeverity.Info, "user", userId.ToString(), cancellationToken: cancellationToken);
        return null;
    }

    /// <summary>The wait before the next attempt after <paramref name="failures"/> (at least the threshold) from one address.</summary>
    internal TimeSpan Backoff(int failures)
    {
        var doublings = Math.Min(failures - policy.FailuresBeforeLockout, 30);
        var wait = policy.LoginBackoff * Math.Pow(2, doublings);
        return wait < policy.LockoutWindow ? wait : policy.LockoutWindow;
    }

    private static async Task<List<DateTime>> RecentAttemptsAsync(
        DbConnection connection, DbTransaction transaction, Guid userId, string? ip, DateTime since, long afterId, int take, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<DateTime>(new CommandDefinition(
            """
            SELECT created_at FROM audit_log
            WHERE actor_id = @userId AND action = 'login.attempted' AND created_at > @since AND id > @afterId
              AND (NOT @byAddress OR coalesce(ip_address, '') = @ip)
            ORDER BY id DESC
            LIMIT @take
            """,
            new { userId, since, afterId, byAddress = ip is not null, ip = ip ?? string.Empty, take },
            transaction,
            cancellationToken: cancellationToken))).ToList();
}
