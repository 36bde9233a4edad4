using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class AttachmentApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task An_image_is_stored_once_by_content_and_served_to_members_only(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (eve, _) = await ConversationApiTests.UserAsync(server, "eve");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var png = Png(640, 480);

        var uploaded = await UploadAsync(ann, conversation, png, "holiday photo.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var attachment = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("image/png", attachment.GetProperty("contentType").GetString());
        Assert.Equal(640, attachment.GetProperty("width").GetInt32());
        Assert.Equal(480, attachment.GetProperty("height").GetInt32());
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(png)), attachment.GetProperty("sha256").GetString());
        await UploadAsync(ann, conversation, png, "same again.png", "image/png");
        var staging = Path.Combine(server.DataDir, "attachments", "tmp") + Path.DirectorySeparatorChar;
        Assert.Single(
            Directory.EnumerateFiles(Path.Combine(server.DataDir, "attachments"), "*", SearchOption.AllDirectories),
            f => !f.StartsWith(staging, StringComparison.Ordinal));

        var id = attachment.GetProperty("id").GetString();
        var download = await ben.GetAsync($"/api/v1/attachments/{id}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("inline", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("holiday photo.png", download.Content.Headers.ContentDisposition?.FileNameStar);
        await (await eve.GetAsync($"/api/v1/attachments/{id}")).AssertProblemAsync(404, "attachment_not_found");
        await (await server.Client.GetAsync($"/api/v1/attachments/{id}")).AssertProblemAsync(401, "unauthenticated");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Forged_unknown_oversized_and_path_like_uploads_are_refused_and_leave_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (eve, _) = await ConversationApiTests.UserAsync(server, "eve");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);

        await (await UploadAsync(ann, conversation, Encoding.UTF8.GetBytes("just words"), "a.png", "image/png")).AssertProblemAsync(400, "content_type_mismatch");
        await (await UploadAsync(ann, conversation, [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00], "setup.exe", "application/octet-stream")).AssertProblemAsync(400, "unsupported_attachment_type");
        await (await UploadAsync(ann, conversation, Png(1, 1), "../../etc/passwd", "image/png")).AssertProblemAsync(400, "validation_failed");
        await (await UploadAsync(ann, conversation, [], "empty.txt", "text/plain")).AssertProblemAsync(400, "validation_failed");
        var tooBig = Png(1, 1).Concat(new byte[10 * 1024 * 1024]).ToArray();
        await (await UploadAsync(ann, conversation, tooBig, "big.png", "image/png")).AssertProblemAsync(400, "attachment_too_large");
        await (await UploadAsync(eve, conversation, Png(1, 1), "x.png", "image/png")).AssertProblemAsync(404, "conversation_not_found");
        var notMultipart = await ann.PostAsJsonAsync("/api/v1/attachments", new { conversationId = conversation });
        await notMultipart.AssertProblemAsync(400, "multipart_required");

        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM attachments"));
        var stored = Directory.Exists(Path.Combine(server.DataDir, "attachments"))
            ? Directory.EnumerateFiles(Path.Combine(server.DataDir, "attachments"), "*", SearchOption.AllDirectories).ToList()
            : [];
        Assert.Empty(stored);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Attachments_join_a_message_of_their_uploader_and_go_with_its_deletion(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n% a tiny document\n");
        var upload = await (await UploadAsync(ann, conversation, pdf, "minutes.pdf", "application/pdf")).Content.ReadFromJsonAsync<JsonElement>();
        var attachmentId = upload.GetProperty("id").GetString();

        await (await ben.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "mine now", attachmentIds = new[] { attachmentId } }))
            .AssertProblemAsync(400, "invalid_attachment");
        var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "the minutes", attachmentIds = new[] { attachmentId } });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var message = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM attachments WHERE message_id IS NOT NULL"));

        var download = await ben.GetAsync($"/api/v1/attachments/{attachmentId}");
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        await ann.DeleteAsync($"/api/v1/conversations/{conversation}/messages/{message}");
        await (await ben.GetAsync($"/api/v1/attachments/{attachmentId}")).AssertProblemAsync(404, "attachment_not_found");
    }

    internal static Task<HttpResponseMessage> UploadAsync(HttpClient client, string conversation, byte[] bytes, string fileName, string contentType)
    {
        var form = new MultipartFormDataContent { { new StringContent(conversation), "conversationId" } };
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        form.Add(file, "file", fileName);
        return client.PostAsync("/api/v1/attachments", form);
    }

    /// <summary>The signature and IHDR chunk of a PNG: enough for sniffing and dimensions.</summary>
    internal static byte[] Png(int width, int height)
    {
        var bytes = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        bytes[24] = 8;
        bytes[25] = 6;
        return bytes;
    }
}
