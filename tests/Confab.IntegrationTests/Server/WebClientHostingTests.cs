using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using Confab.Server.WebClient;

namespace Confab.IntegrationTests.Server;

/// <summary>The web client as confab serve ships it: the page, its assets, client routes and the server's own paths.</summary>
public partial class WebClientHostingTests
{
    [Fact]
    public async Task The_page_is_served_at_the_root_and_at_client_routes_never_cached_with_the_strict_policy()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite);
        foreach (var path in new[] { "/", "/signin", "/c/0190e7a0-0000-7000-8000-0000000d14ec?m=x", "/settings", "/search?q=%E5%8C%97%E4%BA%AC", "/admin" })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
            Assert.Equal(WebClientHosting.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Contains("<div id=\"app\"></div>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/contacts"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using var post = await server.Client.PostAsync("/settings", new StringContent(""));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
    }

    [Fact]
    public async Task Hashed_assets_are_cached_for_a_year_and_sent_compressed_once_at_the_strongest_level()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite);
        var page = await server.Client.GetStringAsync("/");
        var assets = AssetReference().Matches(page).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));

        foreach (var asset in assets)
        {
            using var plain = await server.Client.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            AssertCachedForAYear(plain);
            Assert.Empty(plain.Content.Headers.ContentEncoding);
            var raw = await plain.Content.ReadAsByteArrayAsync();

            foreach (var (accept, encoding) in new[] { ("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip;q=0.5", "gzip") })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, asset);
                request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
                using var response = await server.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
                Assert.Contains("Accept-Encoding", response.Headers.Vary);
                AssertCachedForAYear(response);
                Assert.Equal(WebClientHosting.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
                var body = await response.Content.ReadAsByteArrayAsync();
                Assert.Equal(body.Length, response.Content.Headers.ContentLength);
                Assert.True(body.Length < raw.Length / 2, $"{asset}: {body.Length} bytes {encoding} of {raw.Length}");
                Assert.Equal(raw, Decode(body, encoding));

                // The same bytes again are not sent again.
                var etag = Assert.IsType<System.Net.Http.Headers.EntityTagHeaderValue>(response.Headers.ETag);
                using var again = new HttpRequestMessage(HttpMethod.Get, asset);
                again.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
                again.Headers.IfNoneMatch.Add(etag);
                using var notModified = await server.Client.SendAsync(again);
                Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
                Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            }
        }
    }

    [Fact]
    public async Task Server_paths_keep_their_own_answers_and_404s()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite);
        using var missingApi = await server.Client.GetAsync("/api/v1/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, missingApi.StatusCode);
        Assert.NotEqual("text/html", missingApi.Content.Headers.ContentType?.MediaType);
        using var missingAsset = await server.Client.GetAsync("/assets/index-missing.js");
        Assert.Equal(HttpStatusCode.NotFound, missingAsset.StatusCode);
        using var health = await server.Client.GetAsync("/healthz");
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
        using var ready = await server.Client.GetAsync("/readyz");
        Assert.Equal("application/json", ready.Content.Headers.ContentType?.MediaType);
        using var openApi = await server.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Equal("application/json", openApi.Content.Headers.ContentType?.MediaType);
        using var metrics = await server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        using var underMetrics = await server.Client.GetAsync("/metrics/anything");
        Assert.NotEqual("text/html", underMetrics.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertCachedForAYear(HttpResponseMessage response)
    {
        var cache = response.Headers.CacheControl;
        Assert.NotNull(cache);
        Assert.True(cache.Public);
        Assert.Equal(TimeSpan.FromDays(365), cache.MaxAge);
        Assert.Contains(cache.Extensions, e => e.Name == "immutable");
    }

    private static byte[] Decode(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    [GeneratedRegex("(?:src|href)=\"(/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();
}
