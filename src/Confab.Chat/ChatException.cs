namespace Confab.Chat;

/// <summary>What kind of refusal an error is; the HTTP edge maps each to one status code.</summary>
public enum ChatErrorKind
{
    Validation,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
}

/// <summary>
/// A refusal the user can act on, with a stable machine-readable <see cref="Code"/> (documented in docs/api.md)
/// and, for validation, the reason per field.
/// </summary>
public sealed class ChatException(ChatErrorKind kind, string code, string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(message)
{
    public ChatErrorKind Kind { get; } = kind;

    public string Code { get; } = code;

    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;

    /// <summary>When a rate-limited caller may try again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ChatException Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ChatErrorKind.Validation, "validation_failed", "One or more fields are invalid.", errors);

    public static ChatException Invalid(string field, string reason) =>
        Invalid(new Dictionary<string, string[]> { [field] = [reason] });
}
