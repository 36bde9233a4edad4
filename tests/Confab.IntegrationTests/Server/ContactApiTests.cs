using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class ContactApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_request_is_accepted_or_declined_by_its_recipient_only(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (cat, catId) = await ConversationApiTests.UserAsync(server, "cat");

        var request = await (await ann.PostAsync($"/api/v1/contacts/{benId}", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", request.GetProperty("status").GetString());
        Assert.True(request.GetProperty("outgoing").GetBoolean());
        await (await ann.PostAsync($"/api/v1/contacts/{benId}/accept", null)).AssertProblemAsync(404, "request_not_found");
        var accepted = await (await ben.PostAsync($"/api/v1/contacts/{annId}/accept", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());

        await cat.PostAsync($"/api/v1/contacts/{annId}", null);
        var declined = await (await ann.PostAsync($"/api/v1/contacts/{catId}/decline", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("declined", declined.GetProperty("status").GetString());

        var mine = await ann.GetFromJsonAsync<JsonElement>("/api/v1/contacts?status=accepted");
        Assert.Equal(["ben"], mine.EnumerateArray().Select(c => c.GetProperty("username").GetString()));
        Assert.Equal(2, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM user_events WHERE kind = 'contact.requested'"));
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM user_events WHERE kind = 'contact.accepted'"));
        await (await ann.PostAsync($"/api/v1/contacts/{annId}", null)).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsync($"/api/v1/contacts/{Guid.NewGuid()}", null)).AssertProblemAsync(404, "user_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Requests_crossing_each_other_make_the_pair_contacts(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        await ann.PostAsync($"/api/v1/contacts/{benId}", null);
        var crossed = await (await ben.PostAsync($"/api/v1/contacts/{annId}", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", crossed.GetProperty("status").GetString());
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM contacts"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_block_works_both_ways_and_only_its_author_lifts_it(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var direct = await ConversationApiTests.DirectAsync(ann, benId);

        Assert.Equal(HttpStatusCode.OK, (await ben.PutAsync($"/api/v1/contacts/{annId}/block", null)).StatusCode);
        await (await ann.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "hello?" })).AssertProblemAsync(403, "blocked");
        await (await ben.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "hello?" })).AssertProblemAsync(403, "blocked");
        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Sneaky", members = new[] { benId } })).AssertProblemAsync(403, "blocked");
        await (await ann.PostAsync($"/api/v1/contacts/{benId}", null)).AssertProblemAsync(403, "blocked");

        // The blocked side does not see the block in its list and cannot lift it.
        Assert.Equal(0, (await ann.GetFromJsonAsync<JsonElement>("/api/v1/contacts")).GetArrayLength());
        await (await ann.DeleteAsync($"/api/v1/contacts/{benId}/block")).AssertProblemAsync(404, "block_not_found");
        Assert.Equal(HttpStatusCode.NoContent, (await ben.DeleteAsync($"/api/v1/contacts/{annId}/block")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ann.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "hello again" })).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Users_are_found_by_name_and_prefix_without_their_email(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "Annabel");
        await server.RegisterAsync("anna_b");
        await server.RegisterAsync("annie");
        await server.RegisterAsync("bob_x");

        var found = await ann.GetFromJsonAsync<JsonElement>("/api/v1/users/ANNIE");
        Assert.Equal("annie", found.GetProperty("username").GetString());
        Assert.False(found.TryGetProperty("email", out _));
        var byPrefix = await ann.GetFromJsonAsync<JsonElement>("/api/v1/users?prefix=Ann&limit=10");
        Assert.Equal(["anna_b", "Annabel", "annie"], byPrefix.EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        var underscore = await ann.GetFromJsonAsync<JsonElement>("/api/v1/users?prefix=anna_");
        Assert.Equal(["anna_b"], underscore.EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        await (await ann.GetAsync("/api/v1/users?prefix=a%25")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync("/api/v1/users/nobody_at_all")).AssertProblemAsync(404, "user_not_found");
        await (await server.Client.GetAsync("/api/v1/users/annie")).AssertProblemAsync(401, "unauthenticated");
    }
}
