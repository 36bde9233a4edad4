using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Users;

/// <summary>What anyone signed in may see of another user: never the e-mail address.</summary>
public sealed record UserProfile
{
    public Guid Id { get; init; }

    public string Username { get; init; } = string.Empty;

    public string DisplayName { get; init; } = string.Empty;

    public string? AvatarUrl { get; init; }

    public string? Bio { get; init; }

    public string? StatusMessage { get; init; }

    public string Presence { get; init; } = "offline";

    public DateTime? LastSeenAt { get; init; }

    internal const string Columns = "id, username, display_name, avatar_url, bio, status_message, presence, last_seen_at";
}

/// <summary>Looking users up by name and by prefix. Erased and disabled accounts are not found.</summary>
public sealed class UserDirectory(ConfabDatabase database)
{
    public Task<UserProfile> FindAsync(string username, CancellationToken cancellationToken) =>
        OneAsync("lower(username) = lower(@username)", new { username }, cancellationToken);

    public Task<UserProfile> GetAsync(Guid id, CancellationToken cancellationToken) =>
        OneAsync("id = @id", new { id }, cancellationToken);

    private async Task<UserProfile> OneAsync(string match, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserProfile>(new CommandDefinition(
            $"SELECT {UserProfile.Columns} FROM users WHERE {match} AND erased_at IS NULL AND disabled_at IS NULL",
            parameters,
            cancellationToken: cancellationToken))
            ?? throw new ChatException(ChatErrorKind.NotFound, "user_not_found", "There is no such user.");
    }

    /// <summary>
    /// Users whose name starts with <paramref name="prefix"/>, in name order. A LIKE prefix (with '_' escaped) rather
    /// than a range, because a range is only right under a byte-order collation, which a PostgreSQL database may not use.
    /// </summary>
    public async Task<IReadOnlyList<UserProfile>> SearchAsync(string? prefix, int limit, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Length > 50 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw ChatException.Invalid("prefix", "must be 1 to 50 letters, digits or underscores");
        }

        if (limit is < 1 or > 100)
        {
            throw ChatException.Invalid("limit", "must be between 1 and 100");
        }

        var pattern = prefix.ToLowerInvariant().Replace("_", "\\_", StringComparison.Ordinal) + "%";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<UserProfile>(new CommandDefinition(
            $"""
            SELECT {UserProfile.Columns} FROM users
            WHERE lower(username) LIKE @pattern ESCAPE '\' AND erased_at IS NULL AND disabled_at IS NULL
            ORDER BY lower(username), id LIMIT @limit
            """,
            new { pattern, limit },
            cancellationToken: cancellationToken))).ToList();
    }
}
