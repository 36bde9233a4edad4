using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class ExportStreamingTests
{
    /// <summary>The export is written as it is read; a large history still arrives as one valid document with every message.</summary>
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_large_account_exports_as_one_valid_document_with_everything(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Auth:SendsPerUserPerMinute"] = "100000" });
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        const int Count = 450;
        for (var i = 0; i < Count; i++)
        {
            var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = $"{i:D4} " + new string('w', 4000) });
            Assert.True(sent.IsSuccessStatusCode);
        }

        using var response = await ann.GetAsync("/api/v1/me/export", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var archive = await JsonDocument.ParseAsync(body);
        var root = archive.RootElement;
        Assert.Equal(
            ["exportedAt", "profile", "sessions", "contacts", "conversations", "messages", "reactions", "attachments"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ann", root.GetProperty("profile").GetProperty("username").GetString());
        var bodies = root.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()![..4]).ToList();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)), bodies);
        Assert.Equal(conversation, root.GetProperty("conversations")[0].GetProperty("id").GetString());
    }
}
