using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>A query parameter a handler binds, with the type it binds to.</summary>
internal sealed record QueryParameter(string Name, Type Type);

/// <summary>How a route takes its request body.</summary>
internal enum BodyKind
{
    None,
    Json,
    Form,
}

/// <summary>One mapped route and method, as the server itself describes it: route parameters, query parameters, body.</summary>
internal sealed record FuzzRoute(string Method, string Pattern, IReadOnlyList<string> RouteParameters, IReadOnlyList<QueryParameter> Query, BodyKind Body)
{
    /// <summary>"METHOD /path/{param}" with constraints removed: the name the templates and the report use.</summary>
    public string Key { get; } = $"{Method} {Normalize(Pattern)}";

    public bool IsSocket => Normalize(Pattern) == "/api/v1/ws";

    /// <summary>Reads every endpoint the running server mapped, so a route added tomorrow is fuzzed without anyone listing it.</summary>
    public static IReadOnlyList<FuzzRoute> FromServer(IServiceProvider services)
    {
        var source = services.GetRequiredService<EndpointDataSource>();
        var isService = services.GetRequiredService<IServiceProviderIsService>();
        var routes = new List<FuzzRoute>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern;
            var routeParameters = pattern.Parameters.Select(p => p.Name).ToList();
            var handler = endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault();
            var query = new List<QueryParameter>();
            var body = endpoint.Metadata.OfType<IAcceptsMetadata>().Any() ? BodyKind.Json : BodyKind.None;
            foreach (var parameter in handler?.GetParameters() ?? [])
            {
                var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
                if (parameter.ParameterType == typeof(HttpRequest))
                {
                    body = BodyKind.Form;
                }
                else if (IsSimple(type) && !routeParameters.Contains(parameter.Name!, StringComparer.OrdinalIgnoreCase)
                    && !isService.IsService(parameter.ParameterType))
                {
                    query.Add(new QueryParameter(parameter.Name!, type));
                }
            }

            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            // CONNECT is the HTTP/2 WebSocket upgrade; this client speaks HTTP/1.1, where GET is the upgrade.
            foreach (var method in (methods.Count == 0 ? ["GET"] : methods).Where(m => m != "CONNECT"))
            {
                routes.Add(new FuzzRoute(method, pattern.RawText ?? "/", routeParameters, query, body));
            }
        }

        return routes.DistinctBy(r => r.Key).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    public static string Normalize(string pattern)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*?([^}:=?]+)[^}]*\}", "{$1}").TrimEnd('/');
        return path.StartsWith('/') ? path : "/" + path;
    }

    private static bool IsSimple(Type type) =>
        type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(Guid) || type == typeof(DateTime)
        || type == typeof(DateTimeOffset) || type == typeof(bool);
}
