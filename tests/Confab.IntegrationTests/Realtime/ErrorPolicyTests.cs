using System.Data.Common;
using System.Net.Http.Json;
using System.Text.Json;
using Confab.IntegrationTests.Server;
using Confab.Storage.Engines;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.IntegrationTests.Realtime;

/// <summary>One error policy for REST and the socket: a database that cannot answer is "unavailable", never a 500.</summary>
public sealed class ErrorPolicyTests
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// The server gives up on a lock soon: SQLite's busy timeout and the driver's own retries of a busy command (its
    /// command timeout, 30 s by default), PostgreSQL's lock_timeout.
    /// </summary>
    private static DatabaseTarget Impatient(DatabaseTarget target) => target.Engine == DatabaseEngine.Sqlite
        ? target with { SqliteBusyTimeout = ShortWait, ConnectionString = target.ConnectionString + ";Default Timeout=1" }
        : target with { ConnectionString = target.ConnectionString + $";Options=-c lock_timeout={(int)ShortWait.TotalMilliseconds}" };

    /// <summary>Another process holds the write lock (SQLite) or an exclusive lock on the conversations (PostgreSQL).</summary>
    private static async Task<DbConnection> LockAsync(ServerHost server)
    {
        var target = server.Database.Target;
        if (target.Engine == DatabaseEngine.Sqlite)
        {
            var sqlite = new SqliteConnection($"Data Source={target.SqlitePath};Pooling=False");
            await sqlite.OpenAsync();
            await using var begin = sqlite.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE; UPDATE conversations SET updated_at = updated_at;";
            await begin.ExecuteNonQueryAsync();
            return sqlite;
        }

        var npgsql = new NpgsqlConnection(target.ConnectionString + ";Pooling=false");
        await npgsql.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE;", npgsql);
        await command.ExecuteNonQueryAsync();
        return npgsql;
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_locked_database_is_503_unavailable_with_retry_after_and_an_unavailable_frame_on_the_socket(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, Impatient);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);

        string clientMsgId = Guid.NewGuid().ToString();
        await using (var locked = await LockAsync(server))
        {
            var response = await alice.Client.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { clientMsgId = Guid.NewGuid().ToString(), body = "while locked" });
            await response.AssertProblemAsync(503, "unavailable");
            Assert.NotNull(response.Headers.RetryAfter);

            await socket.SendAsync(new { type = "send", conversationId = direct, clientMsgId, body = "over the socket" });
            var error = await socket.WaitForAsync(f => ChatClient.Type(f) == "error" && f.TryGetProperty("clientMsgId", out var id) && id.GetString() == clientMsgId, TimeSpan.FromSeconds(20));
            Assert.Equal("unavailable", error.GetProperty("code").GetString());
            Assert.True(error.GetProperty("retryAfterMs").GetInt64() > 0);
        }

        // The socket stayed open, and the retry with the same client id stores the message once.
        await socket.SendAsync(new { type = "send", conversationId = direct, clientMsgId, body = "over the socket" });
        var ack = await socket.WaitForAsync(f => ChatClient.Type(f) == "ack" && f.GetProperty("clientMsgId").GetString() == clientMsgId);
        Assert.True(ack.GetProperty("created").GetBoolean());
        var history = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/messages");
        Assert.Single(history.GetProperty("items").EnumerateArray(), m => m.GetProperty("body").GetString() == "over the socket");
        Assert.DoesNotContain(history.GetProperty("items").EnumerateArray(), m => m.GetProperty("body").GetString() == "while locked");
    }
}
