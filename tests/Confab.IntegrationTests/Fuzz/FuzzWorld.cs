using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Confab.IntegrationTests.Server;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>One account as the fuzzer drives it.</summary>
internal sealed class FuzzActor
{
    public required string Id { get; init; }

    public required string Username { get; init; }

    public required string SessionId { get; set; }

    public required string AccessToken { get; set; }

    public required string RefreshToken { get; set; }
}

/// <summary>
/// The real objects a lane's inputs point at: users (a member, a peer, a stranger who is in nothing), a direct
/// conversation and a group, messages, a device, an attachment and a cursor, all made through the public API.
/// Routes that destroy (DELETE, leave, remove, logout) aim at scratch objects, which are made again when gone, so the
/// primary objects keep inputs reaching deep handlers for the whole run.
/// </summary>
internal sealed class FuzzWorld
{
    public const string Password = "a long enough pass phrase";

    private readonly ServerHost server;
    private readonly string prefix;
    private int made;

    private FuzzWorld(ServerHost server, string prefix)
    {
        this.server = server;
        this.prefix = prefix;
    }

    public FuzzActor Me { get; private set; } = null!;

    public FuzzActor Peer { get; private set; } = null!;

    /// <summary>In no conversation of the world: the non-member, and the one whose session the self-destructive routes end.</summary>
    public FuzzActor Stranger { get; private set; } = null!;

    public required FuzzActor Admin { get; init; }

    public string Direct { get; private set; } = "";

    public string Group { get; private set; } = "";

    public string ScratchGroup { get; private set; } = "";

    public string Message { get; private set; } = "";

    public string GroupMessage { get; private set; } = "";

    public string ScratchMessage { get; private set; } = "";

    public long MessageSeq { get; private set; }

    public string Device { get; private set; } = "";

    public string ScratchDevice { get; private set; } = "";

    public string Attachment { get; private set; } = "";

    public string? Cursor { get; private set; }

    public static async Task<FuzzActor> RegisterAsync(ServerHost server, string username)
    {
        var response = await server.Client.PostAsJsonAsync("/api/v1/auth/register", new { username, email = $"{username}@example.com", password = Password, displayName = username });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"arranging the fuzz world: register {username} answered {(int)response.StatusCode}: {body}");
        }

        var json = JsonDocument.Parse(body).RootElement;
        return new FuzzActor
        {
            Id = json.GetProperty("user").GetProperty("id").GetString()!,
            Username = username,
            SessionId = json.GetProperty("sessionId").GetString()!,
            AccessToken = json.GetProperty("accessToken").GetString()!,
            RefreshToken = json.GetProperty("refreshToken").GetString()!,
        };
    }

    public static async Task<FuzzWorld> CreateAsync(ServerHost server, FuzzActor admin, string prefix)
    {
        var world = new FuzzWorld(server, prefix) { Admin = admin };
        await world.RebuildAsync();
        return world;
    }

    /// <summary>Every id the world knows, for values that are well-formed ids of the wrong kind.</summary>
    public string AnyId(Random random)
    {
        string[] ids = [Me.Id, Peer.Id, Stranger.Id, Admin.Id, Direct, Group, ScratchGroup, Message, GroupMessage, ScratchMessage, Device, Attachment, Me.SessionId, Stranger.SessionId];
        return ids[random.Next(ids.Length)];
    }

    public async Task RebuildAsync()
    {
        var generation = made++;
        Me = await RegisterAsync(server, $"{prefix}g{generation}me");
        Peer = await RegisterAsync(server, $"{prefix}g{generation}peer");
        Stranger = await RegisterAsync(server, $"{prefix}g{generation}x");
        Direct = await CreateConversationAsync(new { kind = "direct", members = new[] { Peer.Id } });
        Group = await CreateConversationAsync(new { kind = "group", title = "fuzz group", members = new[] { Peer.Id } });
        ScratchGroup = await CreateConversationAsync(new { kind = "group", title = "scratch", members = new[] { Peer.Id } });
        var message = await SendAsync(Me, Direct, "hello there");
        Message = message.GetProperty("id").GetString()!;
        MessageSeq = message.GetProperty("seq").GetInt64();
        GroupMessage = (await SendAsync(Peer, Group, "a group message")).GetProperty("id").GetString()!;
        ScratchMessage = (await SendAsync(Me, ScratchGroup, "to be deleted")).GetProperty("id").GetString()!;
        Device = await RegisterDeviceAsync(Me, 1);
        ScratchDevice = await RegisterDeviceAsync(Me, 2);
        await RegisterDeviceAsync(Peer, 3);
        Attachment = await UploadAsync();
        using var client = As(Me);
        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/conversations?limit=1");
        Cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
    }

    /// <summary>
    /// Puts back what the last inputs may have destroyed: a dead member or peer means a new world; a dead stranger, a
    /// deleted scratch group, message or device are made again. Returns what it repaired, for the summary.
    /// </summary>
    public async Task<string?> RepairAsync()
    {
        try
        {
            return await TryRepairAsync();
        }
        catch (InvalidOperationException)
        {
            // Something the inputs did (a block, a disabled account) stands in the way: start over.
            await RebuildAsync();
            return "world (after a failed repair)";
        }
    }

    private async Task<string?> TryRepairAsync()
    {
        // Blocks between the world's members would refuse most inputs before the handlers' deeper paths.
        using (var me = As(Me))
        using (var peer = As(Peer))
        {
            (await me.DeleteAsync($"/api/v1/contacts/{Peer.Id}/block")).Dispose();
            (await peer.DeleteAsync($"/api/v1/contacts/{Me.Id}/block")).Dispose();
        }

        if (!await AliveAsync(Me) || !await AliveAsync(Peer) || !await ExistsAsync(Me, $"/api/v1/conversations/{Group}")
            || !await ExistsAsync(Me, $"/api/v1/conversations/{Direct}"))
        {
            await RebuildAsync();
            return "world";
        }

        var repaired = new List<string>();
        if (!await AliveAsync(Stranger))
        {
            Stranger = await RegisterAsync(server, $"{prefix}g{made}x{Guid.NewGuid().ToString("N")[..6]}");
            repaired.Add("stranger");
        }

        if (!await ExistsAsync(Me, $"/api/v1/conversations/{ScratchGroup}/members"))
        {
            ScratchGroup = await CreateConversationAsync(new { kind = "group", title = "scratch", members = new[] { Peer.Id } });
            ScratchMessage = (await SendAsync(Me, ScratchGroup, "to be deleted")).GetProperty("id").GetString()!;
            repaired.Add("scratch group");
        }
        else if (!await ExistsAsync(Me, $"/api/v1/conversations/{ScratchGroup}/messages/{ScratchMessage}/edits"))
        {
            ScratchMessage = (await SendAsync(Me, ScratchGroup, "to be deleted")).GetProperty("id").GetString()!;
            repaired.Add("scratch message");
        }

        using var client = As(Me);
        var devices = await client.GetStringAsync("/api/v1/devices");
        if (!devices.Contains(ScratchDevice, StringComparison.Ordinal))
        {
            ScratchDevice = await RegisterDeviceAsync(Me, made + 10);
            repaired.Add("scratch device");
        }

        return repaired.Count == 0 ? null : string.Join(", ", repaired);
    }

    /// <summary>A refresh that succeeded rotated someone's pair; keep driving that account with the new one.</summary>
    public void Rotated(JsonElement tokens)
    {
        var session = tokens.TryGetProperty("sessionId", out var s) ? s.GetString() : null;
        foreach (var actor in new[] { Me, Peer, Stranger, Admin })
        {
            if (actor.SessionId == session)
            {
                actor.AccessToken = tokens.GetProperty("accessToken").GetString()!;
                actor.RefreshToken = tokens.GetProperty("refreshToken").GetString()!;
            }
        }
    }

    public HttpClient As(FuzzActor actor)
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", actor.AccessToken);
        return client;
    }

    public static byte[] Png()
    {
        var bytes = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), 2);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), 2);
        bytes[24] = 8;
        bytes[25] = 6;
        return bytes;
    }

    public static string Key(int seed)
    {
        var bytes = new byte[32];
        new Random(seed).NextBytes(bytes);
        return Convert.ToBase64String(bytes);
    }

    private async Task<bool> AliveAsync(FuzzActor actor) => await ExistsAsync(actor, "/api/v1/me");

    private async Task<bool> ExistsAsync(FuzzActor actor, string path)
    {
        using var client = As(actor);
        using var response = await client.GetAsync(path);
        return response.IsSuccessStatusCode;
    }

    private async Task<string> CreateConversationAsync(object request)
    {
        using var client = As(Me);
        return (await ReadAsync(await client.PostAsJsonAsync("/api/v1/conversations", request))).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> SendAsync(FuzzActor actor, string conversation, string body)
    {
        using var client = As(actor);
        return await ReadAsync(await client.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { clientMsgId = Guid.NewGuid().ToString(), body }));
    }

    private async Task<string> RegisterDeviceAsync(FuzzActor actor, int seed)
    {
        using var client = As(actor);
        var response = await client.PostAsJsonAsync("/api/v1/devices", new
        {
            name = "fuzz phone",
            identityKey = Key(seed),
            signedPrekey = new { id = 1, publicKey = Key(seed + 1), signature = Key(seed + 2) },
            oneTimePrekeys = Enumerable.Range(1, 5).Select(k => new { id = k, publicKey = Key((seed * 100) + k) }),
        });
        return (await ReadAsync(response)).GetProperty("id").GetString()!;
    }

    private async Task<string> UploadAsync()
    {
        using var client = As(Me);
        using var form = new MultipartFormDataContent { { new StringContent(Group), "conversationId" } };
        var file = new ByteArrayContent(Png());
        file.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
        form.Add(file, "file", "fuzz.png");
        return (await ReadAsync(await client.PostAsync("/api/v1/attachments", form))).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"arranging the fuzz world: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
            }

            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
