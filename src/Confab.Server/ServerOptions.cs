using System.ComponentModel.DataAnnotations;

namespace Confab.Server;

/// <summary>Section "Server": where to listen and keep files. Flags and CONFAB_SERVER__* override appsettings.json.</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>Listen addresses, separated by ';'.</summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Where attachments and uploaded profile pictures are stored.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>Attachment storage one user may use, in MiB (attachments that can still be fetched); 0 for no limit.</summary>
    [Range(0, 100_000_000)]
    public long AttachmentQuotaMiB { get; set; } = 1024;

    /// <summary>Apply pending migrations before serving.</summary>
    public bool Migrate { get; set; } = true;

    /// <summary>Serve the interactive API reference at /api/reference (off by default; the OpenAPI document is always served).</summary>
    public bool ApiReference { get; set; }
}

/// <summary>Section "Auth": token lifetimes and login lock-out.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Minutes an access token lives; at most an hour.</summary>
    [Range(1, 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>Days a refresh token lives.</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>Failed logins in a row, per account and client address, before each further attempt from there waits.</summary>
    [Range(1, 100)]
    public int FailuresBeforeLockout { get; set; } = 5;

    /// <summary>The first wait after <see cref="FailuresBeforeLockout"/>; it doubles per further failure.</summary>
    [Range(1, 3600)]
    public int LoginBackoffSeconds { get; set; } = 1;

    /// <summary>The longest wait one address is given between attempts on one account.</summary>
    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Failed logins in a row per account from all addresses before every attempt on it is spaced by the first wait.</summary>
    [Range(1, 1_000_000)]
    public int AccountFailuresBeforeSlowdown { get; set; } = 100;

    /// <summary>Password checks (password change, account deletion) one user may make per minute.</summary>
    [Range(1, 1000)]
    public int PasswordChecksPerUserPerMinute { get; set; } = 5;

    /// <summary>Login and registration attempts per client IP address per minute.</summary>
    [Range(1, 10_000)]
    public int AttemptsPerIpPerMinute { get; set; } = 30;

    /// <summary>Messages one user may send per minute (REST and, later, the socket share it).</summary>
    [Range(1, 100_000)]
    public int SendsPerUserPerMinute { get; set; } = 120;

    /// <summary>Attachments one user may upload per minute.</summary>
    [Range(1, 10_000)]
    public int UploadsPerUserPerMinute { get; set; } = 20;
}
