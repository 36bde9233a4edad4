using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class KeysApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Parallel_bundle_fetches_never_hand_out_the_same_one_time_prekey(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (bob, bobId) = await ConversationApiTests.UserAsync(server, "bob");
        var device = await RegisterAsync(bob, prekeys: 20);
        Assert.Equal(20, device.GetProperty("remainingPrekeys").GetInt64());

        var fetchers = new List<HttpClient>();
        for (var i = 0; i < 5; i++)
        {
            fetchers.Add((await ConversationApiTests.UserAsync(server, $"fetcher{i}")).Client);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => fetchers[i % 5].GetAsync($"/api/v1/users/{bobId}/keys")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var claimed = new List<long>();
        var empty = 0;
        foreach (var response in responses)
        {
            var bundle = (await response.Content.ReadFromJsonAsync<JsonElement>())[0];
            Assert.Equal(Key(1), bundle.GetProperty("identityKey").GetString());
            if (bundle.GetProperty("oneTimePrekey").ValueKind == JsonValueKind.Null)
            {
                empty++;
            }
            else
            {
                claimed.Add(bundle.GetProperty("oneTimePrekey").GetProperty("id").GetInt64());
            }
        }

        Assert.Equal(20, claimed.Count);
        Assert.Equal(20, claimed.Distinct().Count());
        Assert.Equal(5, empty);
        var devices = await bob.GetFromJsonAsync<JsonElement>("/api/v1/devices");
        Assert.Equal(0, devices[0].GetProperty("remainingPrekeys").GetInt64());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Prekeys_are_uploaded_counted_and_rotated_and_bad_keys_are_refused(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (bob, bobId) = await ConversationApiTests.UserAsync(server, "bob");
        var (eve, _) = await ConversationApiTests.UserAsync(server, "eve");
        var device = await RegisterAsync(bob, prekeys: 2);
        var id = device.GetProperty("id").GetString();

        var more = await bob.PostAsJsonAsync($"/api/v1/devices/{id}/prekeys", new { prekeys = Enumerable.Range(100, 3).Select(k => new { id = k, publicKey = Key(k) }) });
        Assert.Equal(5, (await more.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("remainingPrekeys").GetInt64());
        await (await bob.PostAsJsonAsync($"/api/v1/devices/{id}/prekeys", new { prekeys = new[] { new { id = 100, publicKey = Key(5) } } })).AssertProblemAsync(409, "duplicate_prekey");
        await (await bob.PostAsJsonAsync($"/api/v1/devices/{id}/prekeys", new { prekeys = new[] { new { id = 7, publicKey = Convert.ToBase64String(new byte[3]) } } })).AssertProblemAsync(400, "validation_failed");
        await (await eve.PostAsJsonAsync($"/api/v1/devices/{id}/prekeys", new { prekeys = new[] { new { id = 8, publicKey = Key(8) } } })).AssertProblemAsync(404, "device_not_found");

        var rotated = await bob.PutAsJsonAsync($"/api/v1/devices/{id}/signed-prekey", new { id = 2, publicKey = Key(20), signature = Key(21) });
        Assert.Equal(2, (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("signedPrekeyId").GetInt64());
        var bundle = (await eve.GetFromJsonAsync<JsonElement>($"/api/v1/users/{bobId}/keys"))[0];
        Assert.Equal(2, bundle.GetProperty("signedPrekey").GetProperty("id").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/api/v1/devices/{id}")).StatusCode);
        await (await eve.GetAsync($"/api/v1/users/{bobId}/keys")).AssertProblemAsync(404, "keys_not_found");
        await (await bob.PostAsJsonAsync("/api/v1/devices", new { name = "x", identityKey = "###" })).AssertProblemAsync(400, "invalid_request_body");
        await (await bob.PostAsJsonAsync("/api/v1/devices", new { name = "", identityKey = Key(1) })).AssertProblemAsync(400, "validation_failed");
    }

    private static async Task<JsonElement> RegisterAsync(HttpClient client, int prekeys)
    {
        var response = await client.PostAsJsonAsync("/api/v1/devices", new
        {
            name = "phone",
            identityKey = Key(1),
            signedPrekey = new { id = 1, publicKey = Key(2), signature = Key(3) },
            oneTimePrekeys = Enumerable.Range(1, prekeys).Select(k => new { id = k, publicKey = Key(1000 + k) }),
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Key(int seed)
    {
        var bytes = new byte[32];
        new Random(seed).NextBytes(bytes);
        return Convert.ToBase64String(bytes);
    }
}
