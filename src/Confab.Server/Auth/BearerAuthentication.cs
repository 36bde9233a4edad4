using System.Security.Claims;
using System.Text.Encodings.Web;
using Confab.Chat.Sessions;
using Confab.Server.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server.Auth;

/// <summary>
/// Opaque bearer tokens, looked up by their SHA-256 on every request, so a revoked session stops working at once.
/// The token travels only in the Authorization header.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SessionStore sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var session = await sessions.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (session is null)
        {
            return AuthenticateResult.Fail("The access token is unknown, expired or revoked.");
        }

        Context.Items[typeof(AuthenticatedSession)] = session;
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, session.UserId.ToString()), new("sid", session.SessionId.ToString()) };
        if (session.IsAdmin)
        {
            claims.Add(new Claim(ClaimTypes.Role, "admin"));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthenticated, "A valid access token is required.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "forbidden", "You may not do this.");

    private async Task WriteProblemAsync(int status, string code, string title)
    {
        Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Extensions = { ["code"] = code } };
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }
}

public static class CurrentSession
{
    /// <summary>The caller's session; only on routes that require authorization.</summary>
    public static AuthenticatedSession Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[typeof(AuthenticatedSession)] as AuthenticatedSession
            ?? throw new InvalidOperationException("the route does not require authorization");
    }

    public static Chat.ClientInfo Client(HttpContext context, string? deviceName = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Chat.ClientInfo(context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString(), deviceName);
    }
}
