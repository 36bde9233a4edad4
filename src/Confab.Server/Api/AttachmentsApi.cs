using System.Net.Mime;
using Confab.Chat;
using Confab.Chat.Attachments;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Confab.Server.Api;

/// <summary>
/// POST /api/v1/attachments (multipart: <c>conversationId</c> and <c>file</c>), GET /api/v1/attachments/{id}.
/// </summary>
public static class AttachmentsApi
{
    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder routes)
    {
        var attachments = routes.MapGroup("/api/v1/attachments").WithTags("Attachments").RequireAuthorization();
        attachments.MapPost("/", UploadAsync).DisableAntiforgery().RequireRateLimiting(ConfabServer.UploadPolicy);
        attachments.MapGet("/{id:guid}", DownloadAsync);
        return routes;
    }

    private static async Task<Created<AttachmentView>> UploadAsync(HttpRequest request, AttachmentStore store, HttpContext http, CancellationToken ct)
    {
        var form = await MultipartUpload.ReadAsync(request, "a conversationId field and a file", ct);
        if (!Guid.TryParse(form["conversationId"], out var conversationId))
        {
            throw ChatException.Invalid("conversationId", "is required and must be a conversation id");
        }

        var file = MultipartUpload.File(form);
        await using var content = file.OpenReadStream();
        var attachment = await store.UploadAsync(CurrentSession.Of(http).UserId, conversationId, file.FileName, file.ContentType, content, ct);
        return TypedResults.Created($"/api/v1/attachments/{attachment.Id}", attachment);
    }

    /// <summary>
    /// The bytes with the type decided at upload, never sniffed again by the browser. Images display inline; everything
    /// else downloads. A sandboxing CSP keeps a hostile PDF or text from running in the API's origin.
    /// </summary>
    private static async Task<FileStreamHttpResult> DownloadAsync(Guid id, AttachmentStore store, HttpContext http, CancellationToken ct)
    {
        var (attachment, content) = await store.OpenAsync(CurrentSession.Of(http).UserId, id, ct);
        var headers = http.Response.Headers;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; sandbox";
        headers[HeaderNames.CacheControl] = "private, max-age=31536000, immutable";
        var disposition = new ContentDisposition
        {
            DispositionType = attachment.ContentType.StartsWith("image/", StringComparison.Ordinal) ? DispositionTypeNames.Inline : DispositionTypeNames.Attachment,
        };
        var header = new ContentDispositionHeaderValue(disposition.DispositionType);
        header.SetHttpFileName(attachment.FileName);
        headers[HeaderNames.ContentDisposition] = header.ToString();
        return TypedResults.Stream(content, attachment.ContentType, enableRangeProcessing: false);
    }
}
