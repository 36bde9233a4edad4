using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Confab.Chat.Accounts;
using Confab.Storage;
using Confab.Storage.Bulk;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Confab.Tools.Seeding;
using Dapper;

namespace Confab.Tools.Synthetic;

/// <summary>
/// Generates a reproducible data set of realistic shape into either engine in one transaction: all of it or
/// nothing. Conversations are generated on one thread while the previous batch is written on another.
/// </summary>
public static class SyntheticGenerator
{
    /// <summary>Reports messages written so far.</summary>
    public static async Task<SyntheticResult> RunAsync(
        ConfabDatabase database, SyntheticOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var schema = await SchemaReader.ReadAsync(database, cancellationToken);
        if (schema.Table("messages") is null)
        {
            throw new StorageOperationException($"{database.Target.Display} has no Confab schema; run `confab db migrate` first");
        }

        var plan = SyntheticPlan.Create(options);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        TimeSpan loaded = default, indexed = default;
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                await RefuseRepeatAsync(connection, transaction, plan, options, cancellationToken);
                var deferral = await DeferralIfItPaysAsync(connection, transaction, plan, cancellationToken);
                await RowSetWriter.WriteAsync(connection, transaction, schema, Directory(plan, options), rows, cancellationToken);
                await WriteConversationsAsync(connection, transaction, schema, plan, options, rows, progress, cancellationToken);
                loaded = clock.Elapsed;
                if (deferral is not null)
                {
                    await deferral.RestoreAsync(cancellationToken);
                }

                indexed = clock.Elapsed - loaded;

                return 0;
            },
            cancellationToken);

        return new SyntheticResult(plan.Users.Count, plan.Conversations.Count, plan.Conversations.Sum(c => (long)c.MessageCount), rows, clock.Elapsed)
        {
            LoadTime = loaded,
            IndexTime = indexed,
        };
    }

    private static async Task WriteConversationsAsync(
        DbConnection connection,
        DbTransaction transaction,
        SchemaModel schema,
        SyntheticPlan plan,
        SyntheticOptions options,
        Dictionary<string, long> rows,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        // Two chunks in flight at most: one being written, one being generated.
        var chunks = Channel.CreateBounded<SyntheticChunk>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    var chunk = new SyntheticChunk();
                    foreach (var conversation in plan.Conversations)
                    {
                        SyntheticConversation.Generate(conversation, plan.Users, options.Seed, chunk);
                        if (chunk.MessageCount >= options.ChunkMessages)
                        {
                            await chunks.Writer.WriteAsync(chunk, cancellationToken);
                            chunk = new SyntheticChunk();
                        }
                    }

                    await chunks.Writer.WriteAsync(chunk, cancellationToken);
                    chunks.Writer.Complete();
                }
                catch (Exception ex)
                {
                    chunks.Writer.Complete(ex);
                }
            },
            cancellationToken);

        var totals = new List<ConversationTotals>(plan.Conversations.Count);
        long written = 0;
        await foreach (var chunk in chunks.Reader.ReadAllAsync(cancellationToken))
        {
            await RowSetWriter.WriteAsync(connection, transaction, schema, chunk.InWriteOrder, rows, cancellationToken);
            totals.AddRange(chunk.Totals);
            written += chunk.MessageCount;
            progress?.Report(written);
        }

        await producer;
        await ConversationCounters.WriteAsync(connection, transaction, totals, cancellationToken);
    }

    private static IEnumerable<RowSet> Directory(SyntheticPlan plan, SyntheticOptions options)
    {
        var hash = PasswordHashing.HashReproducibly(SyntheticOptions.Password, new Random(SplitMix.Derive(options.Seed, -2)));
        var users = new RowSet("users", "id", "username", "email", "password_hash", "display_name", "presence", "last_seen_at", "created_at", "updated_at");
        var random = new Random(SplitMix.Derive(options.Seed, -3));
        foreach (var user in plan.Users)
        {
            var seen = SyntheticPlan.Micro(SyntheticPlan.End.AddMinutes(-random.Next(0, 60 * 24 * 30)));
            users.Add(user.Id, user.Username, $"{user.Username}@example.test", hash, user.DisplayName, "offline", seen, user.CreatedAt, user.CreatedAt);
        }

        var contacts = new RowSet("contacts", "user_low", "user_high", "status", "requested_by", "created_at", "updated_at", "responded_at");
        var conversations = new RowSet("conversations", "id", "kind", "title", "settings", "created_by", "direct_user_low", "direct_user_high",
            "last_activity_at", "created_at", "updated_at");
        foreach (var c in plan.Conversations)
        {
            var creator = plan.Users[c.Members[0]].Id;
            if (c.IsGroup)
            {
                conversations.Add(c.Id, "group", c.Title, JsonText.EmptyObject, creator, null, null, c.CreatedAt, c.CreatedAt, c.CreatedAt);
                continue;
            }

            var (low, high) = Chat.Users.UserPair.Order(plan.Users[c.Members[0]].Id, plan.Users[c.Members[1]].Id);
            var asked = c.CreatedAt.AddHours(-1);
            contacts.Add(low, high, "accepted", creator, asked, c.CreatedAt, c.CreatedAt);
            conversations.Add(c.Id, "direct", null, JsonText.EmptyObject, creator, low, high, c.CreatedAt, c.CreatedAt, c.CreatedAt);
        }

        return [users, contacts, conversations];
    }


    private static readonly string[] LoadedTables =
        ["users", "contacts", "conversations", "participants", "messages", "message_edits", "reactions", "conversation_events"];

    /// <summary>
    /// Rebuilding indexes and foreign keys afterwards pays when the load is large next to what is there: building
    /// one costs about as much as maintaining it for the rows already present.
    /// </summary>
    private static async Task<BulkLoadDeferral?> DeferralIfItPaysAsync(
        DbConnection connection, DbTransaction transaction, SyntheticPlan plan, CancellationToken cancellationToken)
    {
        var planned = plan.Conversations.Sum(c => (long)c.MessageCount);
        var existing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM messages", transaction: transaction, cancellationToken: cancellationToken));
        return planned >= existing
            ? await BulkLoadDeferral.SuspendAsync(connection, transaction, LoadedTables, cancellationToken)
            : null;
    }

    private static async Task RefuseRepeatAsync(DbConnection connection, DbTransaction transaction, SyntheticPlan plan, SyntheticOptions options, CancellationToken cancellationToken)
    {
        var first = plan.Users[0];
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM users WHERE id = @Id OR lower(username) = lower(@Username)",
            new { first.Id, first.Username },
            transaction,
            cancellationToken: cancellationToken));
        if (exists > 0)
        {
            throw new StorageOperationException($"this database already holds data generated with --seed {options.Seed}; use another seed or a fresh database");
        }
    }
}
