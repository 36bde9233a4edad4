using Confab.Chat.Accounts;
using Confab.Chat.Audit;
using Confab.Chat.Statistics;
using Confab.Server.Auth;
using Confab.Server.Monitoring;
using Confab.Server.Realtime;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// GET /api/v1/me/audit (my security events); for administrators: GET /api/v1/admin/audit, GET /api/v1/admin/users,
/// POST /api/v1/admin/users/{id}/disable, /enable, /promote and /demote, GET /api/v1/admin/server and
/// GET /api/v1/admin/stats/messages-per-day.
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
        admin.MapGet("/server", ServerAsync);
        admin.MapGet("/stats/messages-per-day", async (int? days, ServerStatistics statistics, CancellationToken ct) =>
            TypedResults.Ok(await statistics.MessagesPerDayAsync(days ?? 30, ct)));
        return routes;
    }

    /// <summary>This node and the database at a glance; every figure is cheap to count (see <see cref="ServerStatistics"/>).</summary>
    private static async Task<Ok<ServerOverview>> ServerAsync(
        ServerStatistics statistics, ConfabDatabase database, RealtimeHub hub, NodeFacts node, CancellationToken ct)
    {
        var schema = await new MigrationRunner(database).StatusAsync(ct);
        var totals = await statistics.TotalsAsync(ct);
        return TypedResults.Ok(new ServerOverview
        {
            Node = hub.NodeId,
            Version = node.Version,
            Engine = database.Engine.Name(),
            SchemaVersion = schema.CurrentVersion,
            LatestKnownVersion = schema.LatestKnownVersion,
            StartedAt = node.StartedAt,
            Sockets = hub.Connections.Count,
            Users = totals.Users,
            Conversations = totals.Conversations,
            Messages = totals.Messages,
            MessagesLastMinute = totals.MessagesLastMinute,
            MessagesLastHour = totals.MessagesLastHour,
        });
    }

    public sealed record ServerOverview
    {
        /// <summary>The node that answered (as in the socket's ready frame); the sockets are this node's.</summary>
        public required string Node { get; init; }

        public required string Version { get; init; }

        /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
        public required string Engine { get; init; }

        public long SchemaVersion { get; init; }

        public long LatestKnownVersion { get; init; }

        public DateTime StartedAt { get; init; }

        /// <summary>Open WebSocket connections on this node.</summary>
        public int Sockets { get; init; }

        public long Users { get; init; }

        public long Conversations { get; init; }

        public long Messages { get; init; }

        public long MessagesLastMinute { get; init; }

        public long MessagesLastHour { get; init; }
    }
}
