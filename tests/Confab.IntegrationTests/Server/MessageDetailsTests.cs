using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confab.IntegrationTests.Realtime;

namespace Confab.IntegrationTests.Server;

/// <summary>Every message the API returns carries its reactions and attachments, so a timeline is drawn without a request per message.</summary>
public class MessageDetailsTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Every_page_of_messages_carries_reactions_and_attachments(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var photo = await UploadAsync(ann, conversation, Png(64, 48), "photo.png", "image/png");
        var notes = await UploadAsync(ann, conversation, Encoding.UTF8.GetBytes("packing list"), "notes.txt", "text/plain");

        var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "look", attachmentIds = new[] { photo, notes } });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var created = await sent.Content.ReadFromJsonAsync<JsonElement>();
        AssertAttachments(created, photo, notes);
        Assert.Empty(created.GetProperty("reactions").EnumerateArray());
        var id = created.GetProperty("id").GetString()!;
        var plain = await SendAsync(ben, conversation, "nice", replyTo: id);

        await React(ann, conversation, id, "👍");
        await React(ben, conversation, id, "👍");
        await React(ben, conversation, id, "🎉");
        await React(ann, conversation, plain, "🎉");
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PutAsync($"/api/v1/conversations/{conversation}/pins/{id}", null)).StatusCode);

        var history = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/messages");
        var first = Find(history.GetProperty("items"), id);
        AssertAttachments(first, photo, notes);
        AssertReactions(first, annId, benId);
        var second = Find(history.GetProperty("items"), plain);
        Assert.Empty(second.GetProperty("attachments").EnumerateArray());
        Assert.Equal([("🎉", 1)], second.GetProperty("reactions").EnumerateArray().Select(r => (r.GetProperty("emoji").GetString(), r.GetProperty("count").GetInt32())));

        var around = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/messages/{plain}/around");
        AssertReactions(Find(around.GetProperty("items"), id), annId, benId);
        var pins = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/pins");
        AssertAttachments(Find(pins, id), photo, notes);
        AssertReactions(Find(pins, id), annId, benId);
        var replies = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/messages/{id}/replies");
        Assert.Equal("🎉", Find(replies.GetProperty("items"), plain).GetProperty("reactions")[0].GetProperty("emoji").GetString());
        var edited = await ann.PatchAsJsonAsync($"/api/v1/conversations/{conversation}/messages/{id}", new { body = "look at this" });
        AssertReactions(await edited.Content.ReadFromJsonAsync<JsonElement>(), annId, benId);

        var events = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/events?after=0");
        var carried = events.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("messageId").ValueKind == JsonValueKind.String && e.GetProperty("messageId").GetString() == id)
            .Select(e => e.GetProperty("message"))
            .ToList();
        Assert.True(carried.Count >= 5, $"only {carried.Count} events of the message");
        Assert.All(carried, m =>
        {
            AssertAttachments(m, photo, notes);
            AssertReactions(m, annId, benId);
        });
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_deleted_message_shows_no_reactions_or_attachments(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var photo = await UploadAsync(ann, conversation, Png(8, 8), "gone.png", "image/png");
        var id = (await (await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "oops", attachmentIds = new[] { photo } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var kept = await SendAsync(ben, conversation, "still here");
        await React(ben, conversation, id, "😮");
        await React(ben, conversation, kept, "😮");

        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync($"/api/v1/conversations/{conversation}/messages/{id}")).StatusCode);

        var history = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/messages");
        var tombstone = Find(history.GetProperty("items"), id);
        Assert.Equal(JsonValueKind.Null, tombstone.GetProperty("body").ValueKind);
        Assert.Empty(tombstone.GetProperty("reactions").EnumerateArray());
        Assert.Empty(tombstone.GetProperty("attachments").EnumerateArray());
        Assert.Single(Find(history.GetProperty("items"), kept).GetProperty("reactions").EnumerateArray());
        var events = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/events?after=0");
        Assert.All(
            events.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("messageId").ValueKind == JsonValueKind.String && e.GetProperty("messageId").GetString() == id),
            e =>
            {
                Assert.Empty(e.GetProperty("message").GetProperty("reactions").EnumerateArray());
                Assert.Empty(e.GetProperty("message").GetProperty("attachments").EnumerateArray());
            });
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Socket_acks_and_events_carry_attachments_and_reactions(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var conversation = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        var photo = await UploadAsync(alice.Client, conversation, Png(20, 10), "cat.png", "image/png");
        await using var aliceSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using var bobSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);

        await aliceSocket.SendAsync(new { type = "send", conversationId = conversation, clientMsgId = "with-photo", body = "cat", attachmentIds = new[] { photo } });
        var ack = await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "ack");
        var attachment = Assert.Single(ack.GetProperty("message").GetProperty("attachments").EnumerateArray());
        Assert.Equal(photo, attachment.GetProperty("id").GetString());
        Assert.Equal(20, attachment.GetProperty("width").GetInt32());
        var id = ack.GetProperty("message").GetProperty("id").GetString()!;

        await React(bob.Client, conversation, id, "😻");
        var reacted = await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("kind").GetString() == "reaction.added");
        var message = reacted.GetProperty("data").GetProperty("message");
        var reaction = Assert.Single(message.GetProperty("reactions").EnumerateArray());
        Assert.Equal("😻", reaction.GetProperty("emoji").GetString());
        Assert.Equal([bob.Id], reaction.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        Assert.Single(message.GetProperty("attachments").EnumerateArray());
        var created = await bobSocket.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("kind").GetString() == "message.created");
        Assert.Equal("cat.png", created.GetProperty("data").GetProperty("message").GetProperty("attachments")[0].GetProperty("fileName").GetString());
    }

    private static void AssertReactions(JsonElement message, string first, string second)
    {
        var reactions = message.GetProperty("reactions").EnumerateArray().ToList();
        Assert.Equal(["👍", "🎉"], reactions.Select(r => r.GetProperty("emoji").GetString()));
        Assert.Equal(2, reactions[0].GetProperty("count").GetInt32());
        Assert.Equal([first, second], reactions[0].GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal([second], reactions[1].GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
    }

    private static void AssertAttachments(JsonElement message, string photo, string notes)
    {
        var attachments = message.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal([photo, notes], attachments.Select(a => a.GetProperty("id").GetString()));
        Assert.Equal("photo.png", attachments[0].GetProperty("fileName").GetString());
        Assert.Equal("image/png", attachments[0].GetProperty("contentType").GetString());
        Assert.Equal(33, attachments[0].GetProperty("sizeBytes").GetInt64());
        Assert.Equal(64, attachments[0].GetProperty("width").GetInt32());
        Assert.Equal(48, attachments[0].GetProperty("height").GetInt32());
        Assert.Equal("text/plain", attachments[1].GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, attachments[1].GetProperty("width").ValueKind);
        Assert.Equal(JsonValueKind.Null, attachments[1].GetProperty("height").ValueKind);
    }

    private static JsonElement Find(JsonElement items, string id) =>
        items.EnumerateArray().Single(m => m.GetProperty("id").GetString() == id);

    private static async Task<string> SendAsync(HttpClient client, string conversation, string body, string? replyTo = null)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body, replyTo });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task React(HttpClient client, string conversation, string message, string emoji) =>
        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"/api/v1/conversations/{conversation}/messages/{message}/reactions/{Uri.EscapeDataString(emoji)}", null)).StatusCode);

    private static async Task<string> UploadAsync(HttpClient client, string conversation, byte[] bytes, string fileName, string contentType)
    {
        var response = await AttachmentApiTests.UploadAsync(client, conversation, bytes, fileName, contentType);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static byte[] Png(int width, int height) => AttachmentApiTests.Png(width, height);
}
