using System.Text.Json;
using Confab.Chat;
using Confab.Chat.Conversations;
using Confab.Chat.Messages;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// PATCH|DELETE /api/v1/conversations/{id}; GET|POST /api/v1/conversations/{id}/members;
/// DELETE /api/v1/conversations/{id}/members/{userId}; PUT /api/v1/conversations/{id}/members/{userId}/role;
/// POST /api/v1/conversations/{id}/leave; PUT /api/v1/conversations/{id}/mute;
/// GET /api/v1/conversations/{id}/pins; PUT|DELETE /api/v1/conversations/{id}/pins/{messageId}.
/// </summary>
public static class MembersApi
{
    public static IEndpointRouteBuilder MapMembersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/conversations/{id:guid}").WithTags("Conversations").RequireAuthorization();
        group.MapPatch("/", UpdateAsync);
        group.MapDelete("/", async Task<NoContent> (Guid id, MembershipStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.DeleteAsync(CurrentSession.Of(http).UserId, id, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        });
        group.MapGet("/members", async (Guid id, MembershipStore store, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await store.MembersAsync(CurrentSession.Of(http).UserId, id, ct)));
        group.MapPost("/members", async Task<NoContent> (Guid id, AddMembersRequest request, MembershipStore store, HttpContext http, CancellationToken ct) =>
        {
            if (request.UserIds is not { Count: > 0 })
            {
                throw ChatException.Invalid("userIds", "name at least one user");
            }

            await store.AddAsync(CurrentSession.Of(http).UserId, id, request.UserIds, ct);
            return TypedResults.NoContent();
        });
        group.MapDelete("/members/{userId:guid}", async Task<NoContent> (Guid id, Guid userId, MembershipStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.RemoveAsync(CurrentSession.Of(http).UserId, id, userId, ct);
            return TypedResults.NoContent();
        });
        group.MapPut("/members/{userId:guid}/role", async Task<NoContent> (Guid id, Guid userId, RoleRequest request, MembershipStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.SetRoleAsync(CurrentSession.Of(http).UserId, id, userId, request.Role, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        });
        group.MapPost("/leave", async Task<NoContent> (Guid id, MembershipStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.LeaveAsync(CurrentSession.Of(http).UserId, id, ct);
            return TypedResults.NoContent();
        });
        group.MapPut("/mute", async Task<NoContent> (Guid id, MuteRequest request, MembershipStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.MuteAsync(CurrentSession.Of(http).UserId, id, request.Until, ct);
            return TypedResults.NoContent();
        });
        group.MapGet("/pins", async (Guid id, MessageStore messages, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await messages.PinnedAsync(CurrentSession.Of(http).UserId, id, ct)));
        group.MapPut("/pins/{messageId:guid}", async Task<NoContent> (Guid id, Guid messageId, MessageStore messages, HttpContext http, CancellationToken ct) =>
        {
            await messages.PinAsync(CurrentSession.Of(http).UserId, id, messageId, ct);
            return TypedResults.NoContent();
        });
        group.MapDelete("/pins/{messageId:guid}", async Task<NoContent> (Guid id, Guid messageId, MessageStore messages, HttpContext http, CancellationToken ct) =>
        {
            await messages.UnpinAsync(CurrentSession.Of(http).UserId, id, messageId, ct);
            return TypedResults.NoContent();
        });
        return routes;
    }

    /// <summary>A merge patch of <c>title</c> and <c>settings</c>; any other field is refused.</summary>
    private static async Task<Ok<ConversationView>> UpdateAsync(
        Guid id, JsonElement body, MembershipStore store, ConversationStore conversations, HttpContext http, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ChatException.Invalid("body", "must be a JSON object");
        }

        var unknown = body.EnumerateObject().Select(p => p.Name).Where(n => n is not ("title" or "settings")).ToList();
        if (unknown.Count > 0)
        {
            throw ChatException.Invalid(unknown.ToDictionary(n => n, _ => new[] { "is not a conversation field; use title or settings" }));
        }

        var titleGiven = body.TryGetProperty("title", out var title);
        if (titleGiven && title.ValueKind != JsonValueKind.String)
        {
            throw ChatException.Invalid("title", "must be a string");
        }

        if (titleGiven)
        {
            // Before GetString, which throws on an escaped unpaired surrogate.
            TextRules.RequireJson(title, "title");
        }

        JsonElement? settings = body.TryGetProperty("settings", out var s) ? s : null;
        var caller = CurrentSession.Of(http).UserId;
        await store.UpdateAsync(caller, id, titleGiven ? title.GetString() : null, titleGiven, settings, ct);
        return TypedResults.Ok(await conversations.GetAsync(caller, id, ct));
    }
}

public sealed record AddMembersRequest(List<Guid>? UserIds);

public sealed record RoleRequest(string? Role);

public sealed record MuteRequest(DateTime? Until);
