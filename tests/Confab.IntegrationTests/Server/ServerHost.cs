using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Confab.Server;
using Microsoft.AspNetCore.Builder;

namespace Confab.IntegrationTests.Server;

/// <summary>A real confab server on a loopback port of its own, over a fresh database of one engine.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly string dataDir;
    private bool ownsDatabase = true;

    private ServerHost(TestDatabase database, WebApplication app, Uri address, string dataDir)
    {
        Database = database;
        this.app = app;
        this.dataDir = dataDir;
        Client = new HttpClient { BaseAddress = address };
    }

    public TestDatabase Database { get; }

    public string DataDir => dataDir;

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<ServerHost> StartAsync(string engine, IReadOnlyDictionary<string, string?>? settings = null) =>
        await StartAsync(await TestDatabase.CreateAsync(engine), Directory.CreateTempSubdirectory("confab-data-").FullName, settings);

    /// <summary>Another node on the same database and data directory; disposing it leaves both to the first.</summary>
    public static async Task<ServerHost> StartNodeAsync(ServerHost first, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        var node = await StartAsync(first.Database, first.DataDir, settings);
        node.ownsDatabase = false;
        return node;
    }

    private static async Task<ServerHost> StartAsync(TestDatabase database, string dataDir, IReadOnlyDictionary<string, string?>? settings)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Server:Urls"] = "http://127.0.0.1:0",
            ["Server:DataDir"] = dataDir,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Confab.Server.Errors.ProblemHandling.ChatExceptionHandler"] = "Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = ConfabServer.Build(database.Target, overrides);
        var addresses = await ConfabServer.StartAsync(app, CancellationToken.None);
        return new ServerHost(database, app, new Uri(addresses[0]), dataDir);
    }

    /// <summary>A client that sends the given access token.</summary>
    public HttpClient As(string accessToken)
    {
        var client = new HttpClient { BaseAddress = Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>Registers a user with a valid password and returns the response body.</summary>
    public async Task<JsonElement> RegisterAsync(string username, string password = "a long enough pass phrase")
    {
        var response = await Client.PostAsJsonAsync("/api/v1/auth/register", new { username, email = $"{username}@example.com", password, displayName = username });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> LoginAsync(string login, string password = "a long enough pass phrase")
    {
        var response = await Client.PostAsJsonAsync("/api/v1/auth/login", new { login, password });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        if (ownsDatabase)
        {
            await Database.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}

internal static class Problems
{
    /// <summary>Asserts a problem-details response with the given status and stable code, and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(code, json.GetProperty("code").GetString());
        return json;
    }
}
