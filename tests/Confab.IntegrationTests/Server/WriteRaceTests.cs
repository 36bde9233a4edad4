using System.Net.Http.Json;
using System.Text.Json;
using Confab.Chat;
using Confab.Chat.Conversations;
using Confab.Chat.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

/// <summary>
/// Writes that race a removal or an account deletion. On PostgreSQL the checks run under the row locks; on SQLite
/// the one writer orders them. Either way the log reads as if they had happened one after the other.
/// </summary>
public class WriteRaceTests
{
    private const int Pairs = 40;

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_send_racing_its_senders_removal_never_lands_after_member_removed(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, ownerText) = await ConversationApiTests.UserAsync(server, "owner");
        var ownerId = Guid.Parse(ownerText);
        var (_, memberText) = await ConversationApiTests.UserAsync(server, "member");
        var memberId = Guid.Parse(memberText);
        var groups = new List<Guid>();
        for (var i = 0; i < Pairs; i++)
        {
            var created = await owner.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = $"g{i}", members = new[] { memberId } });
            groups.Add(Guid.Parse((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!));
        }

        var messages = server.Services.GetRequiredService<MessageStore>();
        var membership = server.Services.GetRequiredService<MembershipStore>();
        await Task.WhenAll(groups.SelectMany(group => new[]
        {
            Task.Run(async () => await Refused(() => messages.SendAsync(memberId, group, new NewMessage(null, "sneaking in", null, null), CancellationToken.None))),
            Task.Run(() => membership.RemoveAsync(ownerId, group, memberId, CancellationToken.None)),
        }));

        // No message of the removed member has a seq after the member.removed event of its group.
        Assert.Equal(0, await AuthApiTests.CountAsync(server, $"""
            SELECT count(*) FROM conversation_events m JOIN conversation_events r ON r.conversation_id = m.conversation_id
            WHERE m.kind = 'message.created' AND m.actor_id = '{memberId}' AND r.kind = 'member.removed' AND m.seq > r.seq
            """));
        Assert.Equal(Pairs, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'member.removed'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_send_racing_the_senders_account_deletion_leaves_no_live_body(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (friend, friendId) = await ConversationApiTests.UserAsync(server, "friend");
        var messages = server.Services.GetRequiredService<MessageStore>();
        var races = new List<Task>();
        for (var i = 0; i < Pairs / 2; i++)
        {
            var (leaver, leaverText) = await ConversationApiTests.UserAsync(server, $"leaver{i}");
            var leaverId = Guid.Parse(leaverText);
            var direct = Guid.Parse(await ConversationApiTests.DirectAsync(leaver, friendId));
            races.Add(Task.Run(() => leaver.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me")
            {
                Content = JsonContent.Create(new { password = "a long enough pass phrase" }),
            })));

            // Sends keep coming while the deletion runs, straight at the store as a socket would, with no session check.
            races.Add(Task.Run(async () =>
            {
                for (var k = 0; k < 20; k++)
                {
                    await Refused(() => messages.SendAsync(leaverId, direct, new NewMessage(null, $"last words {k}", null, null), CancellationToken.None));
                }
            }));
        }

        await Task.WhenAll(races);
        Assert.Equal(Pairs / 2, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM users WHERE erased_at IS NOT NULL"));
        Assert.Equal(0, await AuthApiTests.CountAsync(server, """
            SELECT count(*) FROM messages m JOIN users u ON u.id = m.sender_id
            WHERE u.erased_at IS NOT NULL AND (m.body IS NOT NULL OR m.deleted_at IS NULL)
            """));
    }

    /// <summary>Runs a write that may lose its race; losing is a 404 refusal, never anything else.</summary>
    private static async Task Refused(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (ChatException refused) when (refused.Code == "conversation_not_found")
        {
        }
    }
}
