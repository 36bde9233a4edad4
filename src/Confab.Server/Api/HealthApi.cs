using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>GET /healthz (the process is up) and GET /readyz (the database answers and its schema is current).</summary>
public static partial class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health");
        routes.MapGet("/readyz", ReadyAsync).WithTags("Health");
        return routes;
    }

    private static async Task<Results<Ok<Readiness>, JsonHttpResult<Readiness>>> ReadyAsync(
        ConfabDatabase database, Microsoft.Extensions.Logging.ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            var status = await new MigrationRunner(database).StatusAsync(ct);
            var ready = status.PendingCount == 0 && !status.HasDrift && !status.HasUnknown;
            var readiness = new Readiness(ready ? "ready" : "migrations_pending", status.CurrentVersion, status.LatestKnownVersion);
            return ready ? TypedResults.Ok(readiness) : TypedResults.Json(readiness, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception ex) when (ex is Storage.ConfabStorageException or System.Data.Common.DbException)
        {
            // The probe is anonymous: the database's own words (host names, roles, paths) go to the log only.
            DatabaseUnavailable(loggers.CreateLogger(typeof(HealthApi).FullName!), ex);
            return TypedResults.Json(new Readiness("database_unavailable", 0, 0), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 2301, Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Readiness check: the database is unavailable")]
    private static partial void DatabaseUnavailable(Microsoft.Extensions.Logging.ILogger logger, Exception exception);

    public sealed record Readiness(string Status, long SchemaVersion, long LatestKnownVersion);
}
