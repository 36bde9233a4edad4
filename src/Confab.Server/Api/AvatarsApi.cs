using Confab.Chat.Accounts;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Confab.Server.Api;

/// <summary>
/// PUT /api/v1/me/avatar (multipart: <c>file</c>), DELETE /api/v1/me/avatar, GET /api/v1/avatars/{sha256}.
/// </summary>
public static class AvatarsApi
{
    public static IEndpointRouteBuilder MapAvatarsApi(this IEndpointRouteBuilder routes)
    {
        var mine = routes.MapGroup("/api/v1/me/avatar").WithTags("Me").RequireAuthorization();
        mine.MapPut("/", UploadAsync).DisableAntiforgery().RequireRateLimiting(ConfabServer.UploadPolicy);
        mine.MapDelete("/", RemoveAsync);
        routes.MapGet(AvatarStore.UrlPrefix + "{key}", DownloadAsync).WithTags("Users").RequireAuthorization();
        return routes;
    }

    private static async Task<Ok<UserAccount>> UploadAsync(HttpRequest request, AvatarStore avatars, HttpContext http, CancellationToken ct)
    {
        var file = MultipartUpload.File(await MultipartUpload.ReadAsync(request, "a file field with the picture", ct));
        await using var content = file.OpenReadStream();
        return TypedResults.Ok(await avatars.UploadAsync(CurrentSession.Of(http).UserId, content, ct));
    }

    private static async Task<NoContent> RemoveAsync(AvatarStore avatars, HttpContext http, CancellationToken ct)
    {
        await avatars.RemoveAsync(CurrentSession.Of(http).UserId, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The picture with the type its bytes are. Its name is its content, so it is cached for good; a changed avatar
    /// has a new name. The browser must not sniff it into anything else, and a sandboxing CSP is the second line.
    /// </summary>
    private static async Task<FileStreamHttpResult> DownloadAsync(string key, AvatarStore avatars, HttpContext http, CancellationToken ct)
    {
        var (contentType, content) = await avatars.OpenAsync(key, ct);
        var headers = http.Response.Headers;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; sandbox";
        headers[HeaderNames.CacheControl] = "private, max-age=31536000, immutable";
        return TypedResults.Stream(content, contentType, enableRangeProcessing: false);
    }
}
