using Confab.Chat.Accounts;
using Confab.Chat.Sessions;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// POST /api/v1/auth/register, /login, /refresh (anonymous, rate-limited per IP) and /logout.
/// </summary>
public static class AuthApi
{
    public const string RateLimitPolicy = "auth";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/v1/auth").WithTags("Auth");
        auth.MapPost("/register", RegisterAsync).RequireRateLimiting(RateLimitPolicy);
        auth.MapPost("/login", LoginAsync).RequireRateLimiting(RateLimitPolicy);
        auth.MapPost("/refresh", RefreshAsync).RequireRateLimiting(RateLimitPolicy);
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization();
        return routes;
    }

    private static async Task<Created<AuthResponse>> RegisterAsync(RegisterRequest request, AccountStore accounts, HttpContext http, CancellationToken ct)
    {
        var (user, tokens) = await accounts.RegisterAsync(
            new Registration(request.Username, request.Email, request.Password, request.DisplayName), CurrentSession.Client(http, request.DeviceName), ct);
        return TypedResults.Created("/api/v1/me", AuthResponse.From(user, tokens));
    }

    private static async Task<Ok<AuthResponse>> LoginAsync(LoginRequest request, AccountStore accounts, HttpContext http, CancellationToken ct)
    {
        var (user, tokens) = await accounts.LoginAsync(request.Login, request.Password, CurrentSession.Client(http, request.DeviceName), ct);
        return TypedResults.Ok(AuthResponse.From(user, tokens));
    }

    private static async Task<Ok<TokenResponse>> RefreshAsync(RefreshRequest request, SessionStore sessions, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            throw Chat.ChatException.Invalid("refreshToken", "is required");
        }

        return TypedResults.Ok(TokenResponse.From(await sessions.RefreshAsync(request.RefreshToken, CurrentSession.Client(http), ct)));
    }

    private static async Task<NoContent> LogoutAsync(SessionStore sessions, HttpContext http, CancellationToken ct)
    {
        var session = CurrentSession.Of(http);
        await sessions.RevokeAsync(session.UserId, session.SessionId, "logout", CurrentSession.Client(http), ct);
        return TypedResults.NoContent();
    }
}

public sealed record RegisterRequest(string? Username, string? Email, string? Password, string? DisplayName, string? DeviceName = null);

public sealed record LoginRequest(string? Login, string? Password, string? DeviceName = null);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record TokenResponse(Guid SessionId, string AccessToken, string RefreshToken, int ExpiresIn, DateTime AccessExpiresAt, DateTime RefreshExpiresAt)
{
    public static TokenResponse From(TokenPair tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new TokenResponse(tokens.SessionId, tokens.AccessToken, tokens.RefreshToken,
            (int)Math.Round((tokens.AccessExpiresAt - DateTime.UtcNow).TotalSeconds), tokens.AccessExpiresAt, tokens.RefreshExpiresAt);
    }
}

public sealed record AuthResponse(Guid SessionId, string AccessToken, string RefreshToken, int ExpiresIn, DateTime AccessExpiresAt, DateTime RefreshExpiresAt, UserAccount User)
{
    public static AuthResponse From(UserAccount user, TokenPair tokens)
    {
        var t = TokenResponse.From(tokens);
        return new AuthResponse(t.SessionId, t.AccessToken, t.RefreshToken, t.ExpiresIn, t.AccessExpiresAt, t.RefreshExpiresAt, user);
    }
}
