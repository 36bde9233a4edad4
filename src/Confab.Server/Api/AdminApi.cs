using Confab.Chat.Accounts;
using Confab.Chat.Audit;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// GET /api/v1/me/audit (my security events); for administrators: GET /api/v1/admin/audit, GET /api/v1/admin/users,
/// POST /api/v1/admin/users/{id}/disable, /enable, /promote and /demote.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/me/audit", async (string? cursor, int? limit, AuditStore audit, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await audit.MineAsync(CurrentSession.Of(http).UserId, cursor, limit ?? 50, ct)))
            .WithTags("Me").RequireAuthorization();

        var admin = routes.MapGroup("/api/v1/admin").WithTags("Admin").RequireAuthorization(policy => policy.RequireRole("admin"));
        admin.MapGet("/audit", async (Guid? actorId, string? action, string? severity, DateTime? since, DateTime? until, string? cursor, int? limit,
            AuditStore audit, CancellationToken ct) =>
            TypedResults.Ok(await audit.ListAsync(new AuditFilter(actorId, action, severity, since?.ToUniversalTime(), until?.ToUniversalTime()), cursor, limit ?? 100, ct)));
        admin.MapGet("/users", async (string? query, string? cursor, int? limit, AdminStore store, CancellationToken ct) =>
        {
            var (items, next) = await store.UsersAsync(query, cursor, limit ?? 100, ct);
            return TypedResults.Ok(new { items, nextCursor = next });
        });
        admin.MapPost("/users/{id:guid}/disable", async Task<NoContent> (Guid id, AdminStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.SetDisabledAsync(CurrentSession.Of(http).UserId, id, disabled: true, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        });
        admin.MapPost("/users/{id:guid}/enable", async Task<NoContent> (Guid id, AdminStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.SetDisabledAsync(CurrentSession.Of(http).UserId, id, disabled: false, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        });
        admin.MapPost("/users/{id:guid}/promote", async Task<NoContent> (Guid id, AdminStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.SetAdminAsync(CurrentSession.Of(http).UserId, id, isAdmin: true, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        });
        admin.MapPost("/users/{id:guid}/demote", async Task<NoContent> (Guid id, AdminStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.SetAdminAsync(CurrentSession.Of(http).UserId, id, isAdmin: false, CurrentSession.Client(http), ct);
            return TypedResults.NoContent();
        });
        return routes;
    }
}
