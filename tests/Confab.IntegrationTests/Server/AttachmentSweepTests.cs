using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confab.Chat.Attachments;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

/// <summary>Stored files go when nothing can fetch them any more, and stay while anything can; each user has a quota.</summary>
public class AttachmentSweepTests
{
    private static readonly AttachmentSweepPolicy Now = new() { FileGrace = TimeSpan.Zero };

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_sweep_removes_files_of_deleted_messages_and_accounts_and_keeps_files_still_referenced(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var deleted = Text("a message that will be deleted");
        var kept = Text("a message that stays");
        var bens = Text("ben's own file");

        var deletedMessage = await SendWithAsync(ann, conversation, deleted);
        await SendWithAsync(ann, conversation, kept);
        await SendWithAsync(ben, conversation, kept);
        await SendWithAsync(ben, conversation, bens);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync($"/api/v1/conversations/{conversation}/messages/{deletedMessage}")).StatusCode);
        using var erase = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "a long enough pass phrase" }) };
        Assert.Equal(HttpStatusCode.NoContent, (await ben.SendAsync(erase)).StatusCode);

        var sweeper = server.Services.GetRequiredService<AttachmentSweeper>();
        Assert.True(File.Exists(PathOf(server, deleted)), "a sweep within the grace period leaves young files alone");
        await sweeper.SweepAsync(new AttachmentSweepPolicy(), CancellationToken.None);
        Assert.True(File.Exists(PathOf(server, deleted)));

        var result = await sweeper.SweepAsync(Now, CancellationToken.None);
        Assert.False(File.Exists(PathOf(server, deleted)));
        Assert.False(File.Exists(PathOf(server, bens)));
        Assert.True(File.Exists(PathOf(server, kept)), "ann's message still names the bytes ben also sent");
        Assert.Equal(2, result.Files);
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM attachments"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Uploads_past_the_quota_are_refused_and_deleting_frees_space(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Server:AttachmentQuotaMiB"] = "1" });
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var big = Text(new string('x', 700 * 1024));

        var first = await SendWithAsync(ann, conversation, big);
        var over = await UploadAsync(ann, conversation, Text(new string('y', 400 * 1024)));
        await over.AssertProblemAsync(409, "quota_exceeded");
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(ben, conversation, Text(new string('y', 400 * 1024)))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync($"/api/v1/conversations/{conversation}/messages/{first}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(ann, conversation, Text(new string('y', 400 * 1024)))).StatusCode);
    }

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static string PathOf(ServerHost server, byte[] bytes)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return Path.Combine(server.DataDir, "attachments", hex[..2], hex[2..4], hex);
    }

    private static async Task<string> SendWithAsync(HttpClient client, string conversation, byte[] bytes)
    {
        var uploaded = await UploadAsync(client, conversation, bytes);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var attachment = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var sent = await client.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "see attached", attachmentIds = new[] { attachment } });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        return (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, string conversation, byte[] bytes)
    {
        var form = new MultipartFormDataContent { { new StringContent(conversation), "conversationId" } };
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain");
        form.Add(file, "file", "notes.txt");
        return client.PostAsync("/api/v1/attachments", form);
    }
}
