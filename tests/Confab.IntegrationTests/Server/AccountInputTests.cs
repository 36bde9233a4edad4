using System.Net.Http.Json;

namespace Confab.IntegrationTests.Server;

/// <summary>Account fields that look valid to a careless pattern: a final newline, whitespace, control characters.</summary>
public class AccountInputTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_username_with_a_trailing_newline_is_refused_as_a_username_and_writes_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        foreach (var username in new[] { "alice\n", "alice\r\n", "\nalice", "ali\nce" })
        {
            var response = await server.Client.PostAsJsonAsync("/api/v1/auth/register",
                new { username, email = "alice@example.com", password = "a long enough pass phrase", displayName = "Alice" });
            var problem = await response.AssertProblemAsync(400, "validation_failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _), username);
        }

        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM users"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task An_email_with_a_trailing_newline_or_hidden_characters_cannot_open_a_second_account(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        await server.RegisterAsync("original");
        var variants = new[] { "original@example.com\n", "original@example.com\r\n", "original@example.com\t", " original@example.com", "original\u200B@example.com", "original@example.com\0" };
        for (var i = 0; i < variants.Length; i++)
        {
            var response = await server.Client.PostAsJsonAsync("/api/v1/auth/register",
                new { username = $"copy_{i}", email = variants[i], password = "a long enough pass phrase", displayName = "Copy" });
            var problem = await response.AssertProblemAsync(400, "validation_failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _), variants[i]);
        }

        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM users"));
    }
}
