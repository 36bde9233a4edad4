using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

public partial class ApiDocumentTests
{
    [GeneratedRegex(@"\{(\*{0,2})([A-Za-z0-9_]+)(?::[^}]*)?\??\}")]
    private static partial Regex RouteParameter();

    // A group's "/" route has a trailing slash in its raw text; the document names it without one.
    private static string DocumentPath(string pattern) =>
        RouteParameter().Replace("/" + pattern.Trim('/'), m => "{" + m.Groups[2].Value + "}");

    [Fact]
    public async Task Every_mapped_route_and_method_is_in_the_openapi_document()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite);
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        var mapped = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/openapi/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["(any)"])
                .Where(m => m is not "CONNECT" and not "HEAD")
                .Select(m => (Path: DocumentPath(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .Distinct()
            .ToList();

        Assert.True(mapped.Count > 40, $"only {mapped.Count} routes found; the endpoint enumeration is broken");
        var missing = mapped.Where(r => !(paths.TryGetProperty(r.Path, out var item) && item.TryGetProperty(r.Method, out _))).ToList();
        Assert.True(missing.Count == 0, "not in the document: " + string.Join(", ", missing.Select(r => $"{r.Method.ToUpperInvariant()} {r.Path}")));
    }

    [Fact]
    public async Task Operations_declare_the_bearer_scheme_and_their_problem_responses()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite);
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.True(document.GetProperty("components").GetProperty("schemas").GetProperty("Problem").GetProperty("properties").TryGetProperty("code", out _));

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Operation: o.Value)))
            .ToList();
        foreach (var (path, method, operation) in operations)
        {
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty("503", out var unavailable), $"{method} {path} has no 503");
            Assert.True(unavailable.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path}: 503 is not a problem");
        }

        // One of each kind: an anonymous write, a member-only read by id, an admin route.
        var login = document.GetProperty("paths").GetProperty("/api/v1/auth/login").GetProperty("post");
        Assert.False(login.TryGetProperty("security", out _));
        Assert.True(login.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(login.GetProperty("responses").TryGetProperty("429", out _));

        var history = operations.First(o => o.Path == "/api/v1/conversations/{id}/messages" && o.Method == "get").Operation;
        Assert.Equal("Bearer", history.GetProperty("security")[0].EnumerateObject().Single().Name);
        Assert.True(history.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(history.GetProperty("responses").TryGetProperty("404", out _));

        var admin = operations.First(o => o.Path.StartsWith("/api/v1/admin/", StringComparison.Ordinal)).Operation;
        Assert.True(admin.GetProperty("responses").TryGetProperty("403", out _));
    }

    [Fact]
    public async Task The_api_reference_is_off_by_default_and_served_without_a_cdn_when_enabled()
    {
        await using (var plain = await ServerHost.StartAsync(TestDatabase.Sqlite))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await plain.Client.GetAsync("/api/reference")).StatusCode);
        }

        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite, new Dictionary<string, string?> { ["Server:ApiReference"] = "true" });
        var page = await server.Client.GetAsync("/api/reference/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var scripts = Regex.Matches(html, "<script[^>]*src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(Uri.TryCreate(script, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal), $"script from elsewhere: {script}");
            var asset = await server.Client.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 1000, $"{script} is empty");
        }
    }
}
