using Confab.Chat;
using Microsoft.AspNetCore.Http;

namespace Confab.Server.Api;

/// <summary>Reads the multipart/form-data body of an upload route, refusing anything else with a stable code.</summary>
internal static class MultipartUpload
{
    /// <param name="expected">What the form should hold, said to a client that sent something else.</param>
    public static async Task<IFormCollection> ReadAsync(HttpRequest request, string expected, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            throw new ChatException(ChatErrorKind.Validation, "multipart_required", $"Upload with multipart/form-data: {expected}.");
        }

        try
        {
            return await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            // A missing boundary, a truncated part or a body that ends early: the client's form, not a server fault.
            throw new ChatException(ChatErrorKind.Validation, "invalid_multipart", "The multipart body is malformed or incomplete.");
        }
    }

    /// <summary>The form's <c>file</c> part, which every upload needs.</summary>
    public static IFormFile File(IFormCollection form) =>
        form.Files.GetFile("file") ?? throw ChatException.Invalid("file", "is required");
}
