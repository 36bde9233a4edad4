using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confab.Chat.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

public class AvatarApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task An_uploaded_picture_becomes_the_avatar_and_is_served_to_signed_in_users(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, _) = await ConversationApiTests.UserAsync(server, "ben");
        var png = AttachmentApiTests.Png(256, 256);
        var path = PathOf(png);

        var uploaded = await UploadAsync(ann, png, "application/octet-stream");
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var account = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(path, account.GetProperty("avatarUrl").GetString());
        var me = await ann.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(Names(me), Names(account));
        Assert.Equal(path, me.GetProperty("avatarUrl").GetString());
        Assert.Equal(path, (await ben.GetFromJsonAsync<JsonElement>("/api/v1/users/ann")).GetProperty("avatarUrl").GetString());

        foreach (var client in new[] { ann, ben })
        {
            var download = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(png, await download.Content.ReadAsByteArrayAsync());
            Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("private, max-age=31536000, immutable", download.Headers.NonValidated["Cache-Control"].ToString());
        }

        await (await server.Client.GetAsync(path)).AssertProblemAsync(401, "unauthenticated");
        var key = path[^64..];
        Assert.True(File.Exists(Path.Combine(server.DataDir, "avatars", key[..2], key[2..4], key)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDir, "avatars", "tmp")));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_new_picture_replaces_the_old_one_which_is_no_longer_served(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var first = AttachmentApiTests.Png(64, 64);
        var gif = Gif(4096, 100);

        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(ann, first, "image/png")).StatusCode);
        var replaced = await (await UploadAsync(ann, gif, "image/gif")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(PathOf(gif), replaced.GetProperty("avatarUrl").GetString());
        Assert.Equal("image/gif", (await ann.GetAsync(PathOf(gif))).Content.Headers.ContentType?.MediaType);
        await (await ann.GetAsync(PathOf(first))).AssertProblemAsync(404, "avatar_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Documents_oversized_and_huge_pictures_are_refused_and_change_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        Assert.Equal(HttpStatusCode.OK, (await ann.PatchAsJsonAsync("/api/v1/me", new { avatarUrl = "https://example.com/ann.png" })).StatusCode);

        await (await UploadAsync(ann, Encoding.ASCII.GetBytes("%PDF-1.7\n% a tiny document\n"), "image/png")).AssertProblemAsync(400, "unsupported_avatar_type");
        await (await UploadAsync(ann, Encoding.UTF8.GetBytes("just words"), "text/plain")).AssertProblemAsync(400, "unsupported_avatar_type");
        var tooBig = AttachmentApiTests.Png(100, 100).Concat(new byte[2 * 1024 * 1024]).ToArray();
        await (await UploadAsync(ann, tooBig, "image/png")).AssertProblemAsync(400, "avatar_too_large");
        await (await UploadAsync(ann, AttachmentApiTests.Png(4097, 10), "image/png")).AssertProblemAsync(400, "invalid_avatar");
        await (await UploadAsync(ann, Gif(10, 5000), "image/gif")).AssertProblemAsync(400, "invalid_avatar");
        await (await UploadAsync(ann, [], "image/png")).AssertProblemAsync(400, "validation_failed");
        await (await ann.PutAsJsonAsync("/api/v1/me/avatar", new { file = "x" })).AssertProblemAsync(400, "multipart_required");
        using var noFile = new MultipartFormDataContent { { new StringContent("x"), "picture" } };
        await (await ann.PutAsync("/api/v1/me/avatar", noFile)).AssertProblemAsync(400, "validation_failed");

        Assert.Equal("https://example.com/ann.png", (await ann.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("avatarUrl").GetString());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDir, "avatars"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Deleting_the_avatar_clears_it_and_stops_serving_it(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, _) = await ConversationApiTests.UserAsync(server, "ben");
        var png = AttachmentApiTests.Png(32, 32);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(ann, png, "image/png")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync("/api/v1/me/avatar")).StatusCode);
        Assert.Equal(JsonValueKind.Null, (await ann.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("avatarUrl").ValueKind);
        await (await ben.GetAsync(PathOf(png))).AssertProblemAsync(404, "avatar_not_found");
        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync("/api/v1/me/avatar")).StatusCode);
        await (await ben.GetAsync("/api/v1/avatars/" + new string('0', 64))).AssertProblemAsync(404, "avatar_not_found");
        await (await ben.GetAsync("/api/v1/avatars/" + PathOf(png)[^64..].ToUpperInvariant())).AssertProblemAsync(404, "avatar_not_found");
        await (await ben.GetAsync("/api/v1/avatars/not-a-hash")).AssertProblemAsync(404, "avatar_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_profile_patch_cannot_point_the_avatar_at_a_server_path(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, _) = await ConversationApiTests.UserAsync(server, "ben");
        var anns = PathOf(AttachmentApiTests.Png(48, 48));
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(ann, AttachmentApiTests.Png(48, 48), "image/png")).StatusCode);

        foreach (var avatarUrl in new[] { anns, "/api/v1/avatars/" + new string('a', 64), "/api/v1/attachments/0190a8f8-0000-7000-8000-000000000000", "/etc/passwd" })
        {
            var refused = await ben.PatchAsJsonAsync("/api/v1/me", new { avatarUrl });
            Assert.True((await refused.AssertProblemAsync(400, "validation_failed")).GetProperty("errors").TryGetProperty("avatarUrl", out _));
        }

        Assert.Equal(JsonValueKind.Null, (await ben.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("avatarUrl").ValueKind);
        var resent = await ann.PatchAsJsonAsync("/api/v1/me", new { avatarUrl = anns, bio = "unchanged picture" });
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        Assert.Equal(anns, (await resent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("avatarUrl").GetString());
        var external = await ann.PatchAsJsonAsync("/api/v1/me", new { avatarUrl = "https://example.com/ann.png" });
        Assert.Equal("https://example.com/ann.png", (await external.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("avatarUrl").GetString());
        await (await ann.GetAsync(anns)).AssertProblemAsync(404, "avatar_not_found");
        var cleared = await ann.PatchAsync("/api/v1/me", JsonContent.Create(new Dictionary<string, object?> { ["avatarUrl"] = null }));
        Assert.Equal(JsonValueKind.Null, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("avatarUrl").ValueKind);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task An_erased_accounts_avatar_is_no_longer_served(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, _) = await ConversationApiTests.UserAsync(server, "ben");
        var png = AttachmentApiTests.Png(128, 96);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(ann, png, "image/png")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ben.GetAsync(PathOf(png))).StatusCode);

        using var erase = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "a long enough pass phrase" }) };
        Assert.Equal(HttpStatusCode.NoContent, (await ann.SendAsync(erase)).StatusCode);

        await (await ben.GetAsync(PathOf(png))).AssertProblemAsync(404, "avatar_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_sweep_removes_pictures_no_account_names_and_keeps_those_still_named(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, _) = await ConversationApiTests.UserAsync(server, "ben");
        var (cyd, _) = await ConversationApiTests.UserAsync(server, "cyd");
        var replaced = AttachmentApiTests.Png(10, 10);
        var shared = AttachmentApiTests.Png(20, 20);
        var erased = AttachmentApiTests.Png(30, 30);
        await UploadAsync(ann, replaced, "image/png");
        await UploadAsync(ann, shared, "image/png");
        await UploadAsync(ben, shared, "image/png");
        Assert.Equal(HttpStatusCode.NoContent, (await ben.DeleteAsync("/api/v1/me/avatar")).StatusCode);
        await UploadAsync(cyd, erased, "image/png");
        using var erase = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "a long enough pass phrase" }) };
        Assert.Equal(HttpStatusCode.NoContent, (await cyd.SendAsync(erase)).StatusCode);

        var sweeper = server.Services.GetRequiredService<AvatarSweeper>();
        Assert.Equal(0, (await sweeper.SweepAsync(AvatarSweeper.DefaultFileGrace, CancellationToken.None)).Files);
        Assert.True(File.Exists(FileOf(server, replaced)), "a sweep within the grace period leaves young files alone");

        var result = await sweeper.SweepAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(2, result.Files);
        Assert.False(File.Exists(FileOf(server, replaced)));
        Assert.False(File.Exists(FileOf(server, erased)));
        Assert.True(File.Exists(FileOf(server, shared)), "ann still names the picture ben stopped using");
        Assert.Equal(shared, await (await ben.GetAsync(PathOf(shared))).Content.ReadAsByteArrayAsync());
    }

    internal static Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] bytes, string contentType)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        form.Add(file, "file", "me.img");
        return client.PutAsync("/api/v1/me/avatar", form);
    }

    private static string FileOf(ServerHost server, byte[] bytes)
    {
        var key = PathOf(bytes)[^64..];
        return Path.Combine(server.DataDir, "avatars", key[..2], key[2..4], key);
    }

    internal static string PathOf(byte[] bytes) => "/api/v1/avatars/" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A GIF's signature and logical screen: enough for sniffing and dimensions.</summary>
    private static byte[] Gif(int width, int height)
    {
        var bytes = new byte[13];
        "GIF89a"u8.CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)width);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)height);
        return bytes;
    }

    private static List<string> Names(JsonElement account) => account.EnumerateObject().Select(p => p.Name).ToList();
}
