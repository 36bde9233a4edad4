using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Confab.IntegrationTests.Server;

public class PasswordCheckTests
{
    private const string Password = "a long enough pass phrase";

    public static TheoryData<string, string> OldHashes => new()
    {
        { TestDatabase.Sqlite, "v2" }, { TestDatabase.Postgres, "v2" },
        { TestDatabase.Sqlite, "few_iterations" }, { TestDatabase.Postgres, "few_iterations" },
    };

    /// <summary>A hash from an older format or with fewer iterations is replaced by today's on the next successful login.</summary>
    [Theory]
    [MemberData(nameof(OldHashes))]
    public async Task A_login_upgrades_an_outdated_password_hash(string engine, string kind)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var user = await server.RegisterAsync("old_timer");
        var userId = user.GetProperty("user").GetProperty("id").GetGuid();
        var options = kind == "v2"
            ? new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }
            : new PasswordHasherOptions { IterationCount = 1_000 };
        var old = new PasswordHasher<object>(Options.Create(options)).HashPassword(new object(), Password);
        await ExecuteAsync(server, "UPDATE users SET password_hash = @old WHERE id = @userId", new { old, userId });

        await server.LoginAsync("old_timer");
        var stored = await ScalarAsync<string>(server, "SELECT password_hash FROM users WHERE id = @userId", new { userId });
        Assert.NotEqual(old, stored);
        var bytes = Convert.FromBase64String(stored);
        Assert.Equal(0x01, bytes[0]);
        Assert.Equal(100_000u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)));
        await server.LoginAsync("old_timer");
        Assert.Equal(stored, await ScalarAsync<string>(server, "SELECT password_hash FROM users WHERE id = @userId", new { userId }));
    }

    /// <summary>Each password check costs PBKDF2; a stolen access token must not buy unlimited guesses.</summary>
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Password_changes_and_account_deletions_share_a_per_user_rate_limit(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Auth:PasswordChecksPerUserPerMinute"] = "3" });
        var guesser = await server.RegisterAsync("guesser");
        var other = await server.RegisterAsync("bystander");
        using var client = server.As(guesser.GetProperty("accessToken").GetString()!);
        for (var i = 0; i < 2; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = $"guess number {i}", newPassword = "a brand new pass phrase" });
            await wrong.AssertProblemAsync(400, "wrong_password");
        }

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "guess number 2" }) };
        await (await client.SendAsync(delete)).AssertProblemAsync(400, "wrong_password");
        var limited = await client.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = Password, newPassword = "a brand new pass phrase" });
        await limited.AssertProblemAsync(429, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        using var deleteAgain = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = Password }) };
        await (await client.SendAsync(deleteAgain)).AssertProblemAsync(429, "rate_limited");

        using var bystander = server.As(other.GetProperty("accessToken").GetString()!);
        var change = await bystander.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = Password, newPassword = "a brand new pass phrase" });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
    }

    private static async Task ExecuteAsync(ServerHost server, string sql, object args)
    {
        await using var db = server.Database.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, args);
    }

    private static async Task<T> ScalarAsync<T>(ServerHost server, string sql, object args)
    {
        await using var db = server.Database.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }
}
