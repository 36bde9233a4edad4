namespace Confab.Chat.Sessions;

/// <summary>How long tokens live, and how repeated failed logins slow further attempts (see <see cref="Accounts.LoginThrottle"/>).</summary>
public sealed record SessionPolicy
{
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Failed logins in a row for one account from one address before each further attempt from there must wait.</summary>
    public int FailuresBeforeLockout { get; init; } = 5;

    /// <summary>The first wait; it doubles with each further failure from the same address.</summary>
    public TimeSpan LoginBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait one address is given.</summary>
    public TimeSpan LockoutWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed logins in a row for one account from all addresses together before every attempt is spaced by <see cref="LoginBackoff"/>.</summary>
    public int AccountFailuresBeforeSlowdown { get; init; } = 100;

    /// <summary>How long failures are remembered: an address that stops trying is forgiven after this.</summary>
    public TimeSpan FailureMemory { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>A freshly issued access and refresh token; the tokens exist only here and in the client.</summary>
public sealed record TokenPair(Guid SessionId, string AccessToken, string RefreshToken, DateTime AccessExpiresAt, DateTime RefreshExpiresAt);

/// <summary>Who a valid access token belongs to. <see cref="SessionId"/> is the session (token family) the user sees.</summary>
public sealed record AuthenticatedSession
{
    public Guid RowId { get; init; }

    public Guid SessionId { get; init; }

    public Guid UserId { get; init; }

    public string Username { get; init; } = string.Empty;

    public bool IsAdmin { get; init; }

    public DateTime LastUsedAt { get; init; }
}

/// <summary>A login as its owner sees it in the session list.</summary>
public sealed record SessionInfo
{
    public Guid Id { get; init; }

    public string? DeviceName { get; init; }

    public string? UserAgent { get; init; }

    public string? IpAddress { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime LastUsedAt { get; init; }

    public DateTime ExpiresAt { get; init; }

    public bool Current { get; init; }
}
