namespace Confab.Chat.Accounts;

/// <summary>A user's own view of their account (never the password hash).</summary>
public sealed record UserAccount
{
    public Guid Id { get; init; }

    public string Username { get; init; } = string.Empty;

    public string? Email { get; init; }

    public string DisplayName { get; init; } = string.Empty;

    public string? AvatarUrl { get; init; }

    public string? Bio { get; init; }

    public string? StatusMessage { get; init; }

    public string Presence { get; init; } = "offline";

    public DateTime? LastSeenAt { get; init; }

    public bool IsAdmin { get; init; }

    public DateTime? DisabledAt { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    internal const string Columns =
        "id, username, email, display_name, avatar_url, bio, status_message, presence, last_seen_at, is_admin, disabled_at, created_at, updated_at";
}

public sealed record Registration(string? Username, string? Email, string? Password, string? DisplayName);

public sealed record ProfileChange(string? DisplayName, string? AvatarUrl, string? Bio, string? StatusMessage)
{
    /// <summary>Fields the request named; a named field set to null clears it (display name excepted).</summary>
    public IReadOnlySet<string> Present { get; init; } = new HashSet<string>();
}
