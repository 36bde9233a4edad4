using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confab.Server.Monitoring;

/// <summary>GET /metrics in Prometheus text format: on the metrics port without authentication, or on the main port for admins.</summary>
public static class MetricsApi
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return routes;
        }

        var endpoint = routes.MapGet("/metrics", (HttpContext http, PrometheusExporter exporter) =>
        {
            // The separate port is the only door when one is set; the Host header is the client's to choose, the local port is not.
            if (options.Port is { } port && http.Connection.LocalPort != port)
            {
                return Results.NotFound();
            }

            return Results.Text(exporter.Render(), ContentType);
        }).WithTags("Monitoring").WithSummary("Prometheus metrics (text format 0.0.4); admin only, or on Metrics:Port without a token.")
            .Produces<string>(StatusCodes.Status200OK, ContentType);
        if (options.Port is null)
        {
            endpoint.RequireAuthorization(policy => policy.RequireRole("admin"));
        }

        return routes;
    }
}
