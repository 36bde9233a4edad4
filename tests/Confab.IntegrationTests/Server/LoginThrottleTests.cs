using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Confab.IntegrationTests.Server;

/// <summary>Password guessing is paced per account and address, counted atomically, and never locks the owner out.</summary>
public class LoginThrottleTests
{
    private const string Password = "a long enough pass phrase";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Auth:FailuresBeforeLockout"] = "3",
        ["Auth:LoginBackoffSeconds"] = "600",
        ["Auth:AttemptsPerIpPerMinute"] = "10000",
    };

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Parallel_wrong_passwords_from_one_address_are_tried_at_most_the_allowed_number_of_times(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, Settings);
        await server.RegisterAsync("guessed");
        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "guessed", password = $"wrong guess number {i}" })));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(3, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"));
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await refused.AssertProblemAsync(429, "login_locked");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(5));

        // The right password from the same address waits too: the address has used its tries.
        var right = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "guessed", password = Password });
        await right.AssertProblemAsync(429, "login_locked");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Failures_from_one_address_do_not_lock_the_owner_out_from_another(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, Settings);
        await server.RegisterAsync("owner");
        for (var i = 0; i < 6; i++)
        {
            await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "owner", password = $"wrong guess number {i}" });
        }

        using var elsewhere = From(server, IPAddress.Parse("127.0.0.2"));
        var login = await elsewhere.PostAsJsonAsync("/api/v1/auth/login", new { login = "owner", password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'login.succeeded' AND ip_address = '127.0.0.2'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_success_from_an_address_starts_its_count_afresh(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, Settings);
        await server.RegisterAsync("forgetful");
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 2; i++)
            {
                var wrong = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "forgetful", password = $"wrong guess {round} {i}" });
                await wrong.AssertProblemAsync(401, "invalid_credentials");
            }

            await server.LoginAsync("forgetful");
        }
    }

    /// <summary>A client whose connections come from <paramref name="local"/> (any 127.x address reaches the loopback listener).</summary>
    private static HttpClient From(ServerHost server, IPAddress local) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = server.Client.BaseAddress };
}
