using System.Text.RegularExpressions;

namespace Confab.Chat.Accounts;

/// <summary>The rules for account fields, checked at the edge with a reason per field; the schema enforces them again.</summary>
public static partial class AccountRules
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 1024;

    private const string Unstorable = "must not contain U+0000 or unpaired surrogates";

    public static void Collect(Dictionary<string, string[]> errors, string field, string? reason)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (reason is not null)
        {
            errors[field] = [reason];
        }
    }

    public static string? Username(string? value) => value switch
    {
        null or "" => "is required",
        { Length: < 3 or > 50 } => "must be 3 to 50 characters",
        _ when !UsernamePattern().IsMatch(value) => "may contain only letters A-Z, digits and underscores",
        _ => null,
    };

    public static string? Email(string? value) => value switch
    {
        null or "" => "is required",
        { Length: > 254 } => "must be at most 254 characters",
        _ when value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) => "must not contain spaces or control characters",
        _ when !EmailPattern().IsMatch(value) => "is not an e-mail address",
        _ => null,
    };

    public static string? Password(string? value, string? username) => value switch
    {
        null or "" => "is required",
        { Length: < MinPasswordLength } => $"must be at least {MinPasswordLength} characters",
        { Length: > MaxPasswordLength } => $"must be at most {MaxPasswordLength} characters",
        _ when CommonPasswords.Contains(value) => "is too common; choose one that is not on breach lists",
        _ when username is { Length: > 0 } && value.Contains(username, StringComparison.OrdinalIgnoreCase) => "must not contain the username",
        _ => null,
    };

    public static string? DisplayName(string? value) => value switch
    {
        null => "is required",
        _ when value.Trim().Length == 0 => "must not be blank",
        _ when TextLength(value) > 100 => "must be at most 100 characters",
        _ when value.Any(char.IsControl) => "must not contain control characters",
        _ when !TextRules.IsStorable(value) => Unstorable,
        _ => null,
    };

    public static string? Optional(string? value, int max) => value switch
    {
        null => null,
        _ when !TextRules.IsStorable(value) => Unstorable,
        _ when TextLength(value) > max => $"must be at most {max} characters",
        _ => null,
    };

    public static string? AvatarUrl(string? value) => value switch
    {
        null => null,
        { Length: > 2048 } => "must be at most 2048 characters",
        _ when !TextRules.IsStorable(value) => Unstorable,
        _ when !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") => "must be an absolute http(s) URL",
        _ => null,
    };

    /// <summary>Length in characters as both databases count them (Unicode code points, not UTF-16 units).</summary>
    public static int TextLength(string value) => value.EnumerateRunes().Count();

    // \A and \z, not ^ and $: .NET's $ also matches before a final "\n", which let "alice\n" through.
    [GeneratedRegex(@"\A[A-Za-z0-9_]{3,50}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();

    [GeneratedRegex(@"\A[^@\s\p{C}]{1,64}@[^@\s\p{C}]+\.[^@\s\p{C}]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();
}
