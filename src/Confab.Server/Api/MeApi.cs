using System.Text.Json;
using Confab.Chat;
using Confab.Chat.Accounts;
using Confab.Chat.Sessions;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>GET|PATCH /api/v1/me, POST /api/v1/me/password, GET /api/v1/me/sessions, DELETE /api/v1/me/sessions/{id}.</summary>
public static class MeApi
{
    private static readonly string[] ProfileFields = ["displayName", "avatarUrl", "bio", "statusMessage"];

    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/api/v1/me").WithTags("Me").RequireAuthorization();
        me.MapGet("/", GetAsync);
        me.MapPatch("/", PatchAsync);
        me.MapPost("/password", ChangePasswordAsync).RequireRateLimiting(ConfabServer.PasswordCheckPolicy);
        me.MapGet("/sessions", SessionsAsync);
        me.MapDelete("/sessions/{id:guid}", RevokeSessionAsync);
        me.MapGet("/unread", async (Chat.Messages.MessageStore messages, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await messages.UnreadAsync(CurrentSession.Of(http).UserId, ct)));
        me.MapGet("/export", async (AccountExporter exporter, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, HttpContext http, CancellationToken ct) =>
        {
            http.Response.Headers.ContentDisposition = "attachment; filename=\"confab-export.json\"";
            http.Response.ContentType = "application/json; charset=utf-8";
            await exporter.ExportAsync(CurrentSession.Of(http), CurrentSession.Client(http), http.Response.Body, json.Value.SerializerOptions, ct);
        }).Produces<ExportArchive>();
        me.MapDelete("/", async Task<NoContent> ([Microsoft.AspNetCore.Mvc.FromBody] DeleteAccountRequest request, AccountEraser eraser, HttpContext http, CancellationToken ct) =>
        {
            await eraser.EraseAsync(CurrentSession.Of(http), request.Password, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        }).RequireRateLimiting(ConfabServer.PasswordCheckPolicy);
        return routes;
    }

    private static async Task<Ok<UserAccount>> GetAsync(AccountStore accounts, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await accounts.GetAsync(CurrentSession.Of(http).UserId, ct));

    /// <summary>A merge patch: named fields change, a named field set to null is cleared, absent fields stay.</summary>
    private static async Task<Ok<UserAccount>> PatchAsync(JsonElement body, AccountStore accounts, HttpContext http, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ChatException.Invalid("body", "must be a JSON object");
        }

        var errors = new Dictionary<string, string[]>();
        var values = new Dictionary<string, string?>();
        foreach (var property in body.EnumerateObject())
        {
            if (!ProfileFields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors[property.Name] = [$"is not a profile field; use {string.Join(", ", ProfileFields)}"];
            }
            else if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                errors[property.Name] = ["must be a string or null"];
            }
            else
            {
                values[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? null : TextRules.ReadString(property.Value, property.Name);
            }
        }

        if (errors.Count > 0)
        {
            throw ChatException.Invalid(errors);
        }

        var change = new ProfileChange(values.GetValueOrDefault("displayName"), values.GetValueOrDefault("avatarUrl"),
            values.GetValueOrDefault("bio"), values.GetValueOrDefault("statusMessage")) { Present = values.Keys.ToHashSet() };
        return TypedResults.Ok(await accounts.UpdateProfileAsync(CurrentSession.Of(http).UserId, change, ct));
    }

    private static async Task<NoContent> ChangePasswordAsync(ChangePasswordRequest request, AccountStore accounts, HttpContext http, CancellationToken ct)
    {
        await accounts.ChangePasswordAsync(CurrentSession.Of(http), request.CurrentPassword, request.NewPassword, CurrentSession.Client(http), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<SessionInfo>>> SessionsAsync(SessionStore sessions, HttpContext http, CancellationToken ct)
    {
        var session = CurrentSession.Of(http);
        return TypedResults.Ok(await sessions.ListAsync(session.UserId, session.SessionId, ct));
    }

    private static async Task<NoContent> RevokeSessionAsync(Guid id, SessionStore sessions, HttpContext http, CancellationToken ct)
    {
        await sessions.RevokeAsync(CurrentSession.Of(http).UserId, id, "revoked", CurrentSession.Client(http), ct);
        return TypedResults.NoContent();
    }
}

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record DeleteAccountRequest(string? Password);
