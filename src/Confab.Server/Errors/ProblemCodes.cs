using Confab.Chat;
using Microsoft.AspNetCore.Http;

namespace Confab.Server.Errors;

/// <summary>The stable codes of errors that do not come from the domain (documented in docs/api.md).</summary>
public static class ProblemCodes
{
    public const string InvalidRequestBody = "invalid_request_body";
    public const string Unauthenticated = "unauthenticated";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal_error";

    public static int Status(ChatErrorKind kind) => kind switch
    {
        ChatErrorKind.Validation => StatusCodes.Status400BadRequest,
        ChatErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ChatErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ChatErrorKind.NotFound => StatusCodes.Status404NotFound,
        ChatErrorKind.Conflict => StatusCodes.Status409Conflict,
        ChatErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>The code for a response the framework produced by status alone.</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => InvalidRequestBody,
        StatusCodes.Status401Unauthorized => Unauthenticated,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        _ => Internal,
    };
}
