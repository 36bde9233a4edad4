namespace Confab.Chat;

/// <summary>Where a request came from, for sessions and the audit log.</summary>
public sealed record ClientInfo(string? IpAddress, string? UserAgent, string? DeviceName = null)
{
    public static readonly ClientInfo Unknown = new(null, null);

    public string? Ip => Clip(IpAddress, 64);

    public string? Agent => Clip(UserAgent, 512);

    public string? Device => Clip(DeviceName, 100);

    // Scrubbed after clipping: a cut through a surrogate pair leaves half of it, which neither engine can store.
    private static string? Clip(string? value, int max) => TextRules.Scrub(value is null ? null : value.Length <= max ? value : value[..max]);
}
