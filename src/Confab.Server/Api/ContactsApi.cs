using Confab.Chat;
using Confab.Chat.Contacts;
using Confab.Chat.Users;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// GET /api/v1/users?prefix=, GET /api/v1/users/{username};
/// GET /api/v1/contacts, POST /api/v1/contacts/{userId} (request), POST .../accept, POST .../decline,
/// DELETE /api/v1/contacts/{userId}, PUT|DELETE /api/v1/contacts/{userId}/block.
/// </summary>
public static class ContactsApi
{
    public static IEndpointRouteBuilder MapContactsApi(this IEndpointRouteBuilder routes)
    {
        var users = routes.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization();
        users.MapGet("/", async (string? prefix, int? limit, UserDirectory directory, CancellationToken ct) =>
            TypedResults.Ok(await directory.SearchAsync(prefix, limit ?? 20, ct)));
        users.MapGet("/{username}", async (string username, UserDirectory directory, CancellationToken ct) =>
        {
            TextRules.Require(username, "username");
            return TypedResults.Ok(await directory.FindAsync(username, ct));
        });

        var contacts = routes.MapGroup("/api/v1/contacts").WithTags("Contacts").RequireAuthorization();
        contacts.MapGet("/", async (string? status, ContactStore store, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await store.ListAsync(CurrentSession.Of(http).UserId, status, ct)));
        contacts.MapPost("/{userId:guid}", async (Guid userId, ContactStore store, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await store.RequestAsync(CurrentSession.Of(http).UserId, userId, ct)));
        contacts.MapPost("/{userId:guid}/accept", async (Guid userId, ContactStore store, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await store.AcceptAsync(CurrentSession.Of(http).UserId, userId, ct)));
        contacts.MapPost("/{userId:guid}/decline", async (Guid userId, ContactStore store, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await store.DeclineAsync(CurrentSession.Of(http).UserId, userId, ct)));
        contacts.MapDelete("/{userId:guid}", async Task<NoContent> (Guid userId, ContactStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.RemoveAsync(CurrentSession.Of(http).UserId, userId, ct);
            return TypedResults.NoContent();
        });
        contacts.MapPut("/{userId:guid}/block", async (Guid userId, ContactStore store, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await store.BlockAsync(CurrentSession.Of(http).UserId, userId, ct)));
        contacts.MapDelete("/{userId:guid}/block", async Task<NoContent> (Guid userId, ContactStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.UnblockAsync(CurrentSession.Of(http).UserId, userId, ct);
            return TypedResults.NoContent();
        });
        return routes;
    }
}
