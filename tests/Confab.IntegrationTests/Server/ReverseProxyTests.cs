using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

/// <summary>
/// Debian's nginx, with deploy/nginx.conf (the file docs/deploy.md shows), in front of a real `confab serve`:
/// REST and the WebSocket upgrade pass, and the address the server records is the one nginx saw, not one the
/// client wrote into a header. The client connects from 127.0.0.2, nginx and the tests' direct clients from
/// 127.0.0.1, so each address says who it came from.
/// </summary>
public class ReverseProxyTests
{
    private static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.2");

    /// <summary>What a client writes to make itself look like someone else.</summary>
    private const string Spoofed = "203.0.113.9";

    [Fact]
    public async Task Behind_nginx_rest_and_the_websocket_pass_and_the_server_records_the_address_nginx_saw()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var confabPort = ConfabProcess.FreePort();
        using var server = ConfabProcess.Start(
            "serve", "--db", test.Url, "--urls", $"http://127.0.0.1:{confabPort}", "--data-dir", Path.Combine(Path.GetTempPath(), $"confab-proxy-{Guid.NewGuid():N}"),
            "--known-proxies", "127.0.0.1");
        try
        {
            await using var nginx = await Nginx.StartAsync(confabPort);
            using var client = ClientFrom(ClientAddress, nginx.Address);
            await ConfabProcess.WaitReadyAsync(client);

            var token = await RegisterAsync(client, "proxied");
            Assert.Equal([ClientAddress.ToString()], await SeenAddressesAsync(client, token));

            using var socket = new ClientWebSocket();
            using var invoker = new HttpMessageInvoker(Handler(ClientAddress));
            await socket.ConnectAsync(new UriBuilder(nginx.Address) { Scheme = "ws", Path = "/api/v1/ws" }.Uri, invoker, CancellationToken.None);
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "hello", token }), WebSocketMessageType.Text, true, CancellationToken.None);
            var first = await ReceiveAsync(socket);
            Assert.Equal("ready", first.GetProperty("type").GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    public static TheoryData<string?, string> DirectClients => new()
    {
        // Nothing configured: not even loopback, which ASP.NET Core would trust by default, is believed.
        { null, "127.0.0.1" },

        // A proxy is configured, but this client is not it.
        { "127.0.0.1", "127.0.0.2" },
    };

    [Theory]
    [MemberData(nameof(DirectClients))]
    public async Task A_forwarded_address_from_a_client_that_is_not_a_known_proxy_is_ignored(string? knownProxies, string clientAddress)
    {
        var settings = new Dictionary<string, string?>();
        if (knownProxies is not null)
        {
            settings["Proxy:KnownProxies"] = knownProxies;
        }

        await using var host = await ServerHost.StartAsync(TestDatabase.Sqlite, settings);
        using var client = ClientFrom(IPAddress.Parse(clientAddress), host.Client.BaseAddress!);
        var token = await RegisterAsync(client, "direct");
        Assert.Equal([clientAddress], await SeenAddressesAsync(client, token));
    }

    [Theory]
    [InlineData("--known-proxies", "proxy.internal", "Proxy:KnownProxies")]
    [InlineData("--known-networks", "10.0.0.0/33", "Proxy:KnownNetworks")]
    public async Task A_proxy_setting_that_does_not_parse_stops_the_server_naming_it(string flag, string value, string setting)
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var (code, _, error) = await ConfabProcess.RunAsync("serve", "--db", test.Url, "--urls", "http://127.0.0.1:0", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(setting, error, StringComparison.Ordinal);
        Assert.Contains(value, error, StringComparison.Ordinal);
        Assert.False(File.Exists(test.Target.SqlitePath));
    }

    /// <summary>An HTTP client whose connections come from <paramref name="local"/>, and which claims in every header a proxy might believe to be someone else.</summary>
    private static HttpClient ClientFrom(IPAddress local, Uri address)
    {
        var client = new HttpClient(Handler(local)) { BaseAddress = address };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", Spoofed);
        client.DefaultRequestHeaders.Add("X-Real-IP", Spoofed);
        return client;
    }

    private static SocketsHttpHandler Handler(IPAddress local) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
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
    };

    private static async Task<string> RegisterAsync(HttpClient client, string prefix)
    {
        var username = $"{prefix}_{Guid.NewGuid():N}"[..20];
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { username, email = $"{username}@example.com", password = "a long enough pass phrase", displayName = username });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>The addresses the server recorded for this user: of the session, and of each audit row.</summary>
    private static async Task<string[]> SeenAddressesAsync(HttpClient client, string token)
    {
        using var sessionsRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me/sessions");
        sessionsRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var sessions = await (await client.SendAsync(sessionsRequest)).Content.ReadFromJsonAsync<JsonElement>();
        using var auditRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me/audit");
        auditRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var audit = await (await client.SendAsync(auditRequest)).Content.ReadFromJsonAsync<JsonElement>();
        var items = audit.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, e => e.GetProperty("action").GetString() == "account.registered");
        return [.. sessions.EnumerateArray().Concat(items).Select(e => e.GetProperty("ipAddress").GetString() ?? "(none)").Distinct()];
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        var count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            count += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, count)).RootElement.Clone();
            }
        }
    }

    /// <summary>nginx as a plain foreground process with its own configuration, logs and temp files in a temp directory.</summary>
    private sealed class Nginx : IAsyncDisposable
    {
        private const string Binary = "/usr/sbin/nginx";
        private readonly Process process;
        private readonly DirectoryInfo dir;

        private Nginx(Process process, DirectoryInfo dir, Uri address)
        {
            this.process = process;
            this.dir = dir;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<Nginx> StartAsync(int upstreamPort)
        {
            Assert.True(File.Exists(Binary), $"{Binary} is missing: install Debian's nginx package (scripts/test does when it runs as root)");
            var dir = Directory.CreateTempSubdirectory("confab-nginx-");

            // As root, nginx's workers run as nobody and must reach the temp paths.
            if (OperatingSystem.IsLinux())
            {
                dir.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            }
            var port = ConfabProcess.FreePort();
            var site = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "deploy", "nginx.conf"));
            site = Rewrite(site, "listen 80;", $"listen 127.0.0.1:{port};");
            site = Rewrite(site, "server 127.0.0.1:8080;", $"server 127.0.0.1:{upstreamPort};");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "confab.conf"), site);
            var d = dir.FullName;
            await File.WriteAllTextAsync(Path.Combine(d, "nginx.conf"), $$"""
                daemon off;
                master_process on;
                worker_processes 1;
                pid {{d}}/nginx.pid;
                error_log {{d}}/error.log info;
                events { worker_connections 64; }
                http {
                    access_log {{d}}/access.log;
                    client_body_temp_path {{d}}/client_body;
                    proxy_temp_path {{d}}/proxy;
                    fastcgi_temp_path {{d}}/fastcgi;
                    uwsgi_temp_path {{d}}/uwsgi;
                    scgi_temp_path {{d}}/scgi;
                    include {{d}}/confab.conf;
                }
                """);
            var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-p", d, "-e", $"{d}/error.log", "-c", $"{d}/nginx.conf" })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var nginx = new Nginx(process, dir, new Uri($"http://127.0.0.1:{port}"));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await nginx.ListeningAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    var log = File.Exists($"{d}/error.log") ? await File.ReadAllTextAsync($"{d}/error.log") : "(no log)";
                    await nginx.DisposeAsync();
                    Assert.Fail($"nginx did not start: {log}");
                }

                await Task.Delay(50);
            }

            return nginx;
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
            dir.Delete(recursive: true);
        }

        /// <summary>Replaces one line of the shipped file; the test fails when the file no longer has it, rather than testing another config.</summary>
        private static string Rewrite(string config, string line, string replacement)
        {
            Assert.True(config.Contains(line, StringComparison.Ordinal), $"deploy/nginx.conf no longer contains '{line}'");
            return config.Replace(line, replacement, StringComparison.Ordinal);
        }

        private async Task<bool> ListeningAsync(int port)
        {
            if (process.HasExited)
            {
                return false;
            }

            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
