using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Confab.Server.WebClient;

/// <summary>
/// Serves the browser client embedded in this assembly at <c>/</c>: hashed assets cached for a year, index.html
/// never cached, client routes answered with index.html, and a Content-Security-Policy that allows no inline
/// script, no eval and no origin but this one. The server's own routes keep their answers, 404s included.
/// </summary>
public static class WebClientHosting
{
    /// <summary>The policy every client page carries; <c>'self'</c> covers the same-origin WebSocket.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; font-src 'self'; " +
        "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string AssetsFolder = "/assets/";
    private const string IndexFile = "index.html";

    // Paths that belong to the server: a miss below them is the server's 404, never the client's page.
    private static readonly string[] ServerPrefixes = ["/api", "/healthz", "/readyz", "/metrics", "/openapi"];

    private static readonly Lazy<WebClientFiles> SharedFiles = new(() => new WebClientFiles(OpenEmbedded()));

    private static readonly Lazy<CompressedAssets> SharedAssets = new(() => new CompressedAssets(SharedFiles.Value.Provider));

    public static IServiceCollection AddConfabWebClient(this IServiceCollection services)
    {
        // One copy per process: the embedded files are the same for every host (tests start many).
        services.AddSingleton(SharedFiles.Value);
        services.AddSingleton(SharedAssets.Value);
        return services;
    }

    /// <summary>
    /// Static files first in the pipeline (they never collide with a route): text files from the compressed cache when
    /// the browser takes Brotli or gzip, everything else (and every file for a client that takes neither) as stored.
    /// </summary>
    public static WebApplication UseConfabWebClientFiles(this WebApplication app)
    {
        var files = app.Services.GetRequiredService<WebClientFiles>();
        var compressed = app.Services.GetRequiredService<CompressedAssets>();
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && !IsServerPath(request.Path)
                && request.Path.HasValue && !request.Headers.ContainsKey(HeaderNames.Range)
                && compressed.Get(request.Path.Value) is { } variants)
            {
                context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
                if (CompressedAssets.Choose(request) is { } encoding)
                {
                    var body = variants.For(encoding);
                    var etag = variants.ETagFor(encoding);
                    SetHeaders(context.Response, request.Path);
                    context.Response.Headers.ETag = etag;
                    if (request.Headers.IfNoneMatch.Any(value => value is not null && value.Split(',').Any(tag => tag.Trim() == etag || tag.Trim() == "*")))
                    {
                        context.Response.StatusCode = StatusCodes.Status304NotModified;
                        return;
                    }

                    context.Response.ContentType = variants.ContentType;
                    context.Response.Headers.ContentEncoding = encoding;
                    context.Response.ContentLength = body.Length;
                    if (HttpMethods.IsGet(request.Method))
                    {
                        await context.Response.Body.WriteAsync(body, context.RequestAborted);
                    }

                    return;
                }
            }

            await next(context);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files.Provider,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context => SetHeaders(context.Context.Response, context.Context.Request.Path),
        });
        return app;
    }

    /// <summary>After routing: a GET that no route matched and that is not under a server path gets the client's page.</summary>
    public static WebApplication UseConfabWebClientFallback(this WebApplication app)
    {
        var files = app.Services.GetRequiredService<WebClientFiles>();
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (context.GetEndpoint() is null && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                && !IsServerPath(request.Path) && !request.Path.StartsWithSegments(AssetsFolder.TrimEnd('/'), StringComparison.Ordinal)
                && files.Index is { Exists: true } index)
            {
                SetHeaders(context.Response, "/" + IndexFile);
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.ContentLength = index.Length;
                if (HttpMethods.IsGet(request.Method))
                {
                    await using var stream = index.CreateReadStream();
                    await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
                }

                return;
            }

            await next(context);
        });
        return app;
    }

    internal static bool IsServerPath(PathString path) =>
        ServerPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    private static void SetHeaders(HttpResponse response, PathString path)
    {
        var headers = response.Headers;
        headers[HeaderNames.CacheControl] = path.StartsWithSegments(AssetsFolder.TrimEnd('/'), StringComparison.Ordinal)
            ? "public, max-age=31536000, immutable"
            : "no-cache";
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
    }

    private static IFileProvider OpenEmbedded()
    {
        try
        {
            return new ManifestEmbeddedFileProvider(Assembly.GetExecutingAssembly(), "wwwroot");
        }
        catch (InvalidOperationException)
        {
            // Built with -p:SkipWebClient=true: no client in this binary; / answers 404 like any unknown path.
            return new NullFileProvider();
        }
    }
}

/// <summary>The embedded client files and its page.</summary>
public sealed class WebClientFiles(IFileProvider provider)
{
    public IFileProvider Provider { get; } = provider;

    public IFileInfo? Index { get; } = provider.GetFileInfo("index.html");
}
