using System.Data.Common;
using Confab.Chat.Ids;
using Confab.Storage;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.IntegrationTests;

/// <summary>The rules users see are enforced by the schema too, the same way on both engines.</summary>
public class ConstraintTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Usernames_must_be_3_to_50_letters_digits_or_underscores(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        await InsertUserAsync(connection, "abc");
        await InsertUserAsync(connection, new string('a', 50));
        await InsertUserAsync(connection, "Under_score_9");
        foreach (var bad in new[] { "ab", new string('a', 51), "has space", "dash-ed", "émile", "semi;colon", string.Empty })
        {
            await AssertRejectedAsync(() => InsertUserAsync(connection, bad));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Usernames_and_emails_are_unique_without_regard_to_case(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        await InsertUserAsync(connection, "Alice", "alice@example.com");
        var duplicateName = await Assert.ThrowsAnyAsync<DbException>(() => InsertUserAsync(connection, "ALICE", "other@example.com"));
        Assert.True(StorageErrors.IsUniqueViolation(duplicateName));
        var duplicateEmail = await Assert.ThrowsAnyAsync<DbException>(() => InsertUserAsync(connection, "alice2", "ALICE@Example.com"));
        Assert.True(StorageErrors.IsUniqueViolation(duplicateEmail));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Message_bodies_hold_at_most_ten_thousand_characters(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var user = await InsertUserAsync(connection, "writer");
        var conversation = await InsertGroupAsync(connection, user, "Notes");

        // Characters, not bytes: 10,000 CJK characters are 30,000 bytes of UTF-8 and still fit.
        await InsertMessageAsync(connection, conversation, user, 1, new string('字', 10_000));
        await AssertRejectedAsync(() => InsertMessageAsync(connection, conversation, user, 2, new string('a', 10_001)));
        await AssertRejectedAsync(() => InsertMessageAsync(connection, conversation, user, 3, string.Empty));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_retried_client_message_id_cannot_create_a_second_message(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var user = await InsertUserAsync(connection, "sender");
        var other = await InsertUserAsync(connection, "other");
        var conversation = await InsertGroupAsync(connection, user, "Retries");
        await InsertMessageAsync(connection, conversation, user, 1, "hello", clientMsgId: "c-1");
        var duplicate = await Assert.ThrowsAnyAsync<DbException>(() => InsertMessageAsync(connection, conversation, user, 2, "hello", clientMsgId: "c-1"));
        Assert.True(StorageErrors.IsUniqueViolation(duplicate));

        // The same client id from another sender, or without one at all, is a different message.
        await InsertMessageAsync(connection, conversation, other, 3, "hello", clientMsgId: "c-1");
        await InsertMessageAsync(connection, conversation, user, 4, "no id");
        await InsertMessageAsync(connection, conversation, user, 5, "no id either");
        await AssertRejectedAsync(() => InsertMessageAsync(connection, conversation, user, 5, "same seq"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Nobody_is_their_own_contact_and_a_pair_has_one_relation(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var a = await InsertUserAsync(connection, "ann");
        var b = await InsertUserAsync(connection, "ben");
        var (low, high) = Ordered(a, b);
        const string Insert = "INSERT INTO contacts (user_low, user_high, status, requested_by) VALUES (@low, @high, 'pending', @low)";
        await AssertRejectedAsync(() => connection.ExecuteAsync(Insert, new { low = a, high = a }));
        await AssertRejectedAsync(() => connection.ExecuteAsync(Insert, new { low = high, high = low }));
        await connection.ExecuteAsync(Insert, new { low, high });
        await AssertRejectedAsync(() => connection.ExecuteAsync(Insert, new { low, high }));
        await AssertRejectedAsync(() => connection.ExecuteAsync(
            "UPDATE contacts SET status = 'blocked' WHERE user_low = @low", new { low }));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_pair_of_users_has_at_most_one_direct_conversation(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var (low, high) = Ordered(await InsertUserAsync(connection, "dora"), await InsertUserAsync(connection, "dave"));
        const string Insert = "INSERT INTO conversations (id, kind, created_by, direct_user_low, direct_user_high) VALUES (@id, 'direct', @low, @low, @high)";
        await connection.ExecuteAsync(Insert, new { id = Uuid7.NewId(), low, high });
        var second = await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync(Insert, new { id = Uuid7.NewId(), low, high }));
        Assert.True(StorageErrors.IsUniqueViolation(second));
        await AssertRejectedAsync(() => connection.ExecuteAsync(Insert, new { id = Uuid7.NewId(), low = high, high = low }));
        await AssertRejectedAsync(() => connection.ExecuteAsync(
            "INSERT INTO conversations (id, kind, created_by) VALUES (@id, 'direct', @low)", new { id = Uuid7.NewId(), low }));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_group_needs_a_title(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var user = await InsertUserAsync(connection, "grouper");
        await AssertRejectedAsync(() => InsertGroupAsync(connection, user, null));
        await AssertRejectedAsync(() => InsertGroupAsync(connection, user, "   "));
        await InsertGroupAsync(connection, user, "Book club");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_audit_log_is_append_only(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync("INSERT INTO audit_log (action, severity) VALUES ('login.failed', 'warning')");
        await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync("UPDATE audit_log SET severity = 'info'"));
        await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync("DELETE FROM audit_log"));
        if (engine == TestDatabase.Postgres)
        {
            await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync("TRUNCATE audit_log"));
        }

        Assert.Equal("warning", await connection.ExecuteScalarAsync<string>("SELECT severity FROM audit_log"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Attachments_are_at_most_ten_mebibytes_of_an_allowed_type(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var user = await InsertUserAsync(connection, "uploader");
        Task Insert(string type, long size) => connection.ExecuteAsync(
            "INSERT INTO attachments (id, uploader_id, file_name, content_type, size_bytes, sha256, storage_key) VALUES (@id, @user, 'f.png', @type, @size, @hash, @key)",
            new { id = Uuid7.NewId(), user, type, size, hash = new byte[32], key = Guid.NewGuid().ToString() });
        await Insert("image/png", 10 * 1024 * 1024);
        await AssertRejectedAsync(() => Insert("image/png", (10 * 1024 * 1024) + 1));
        await AssertRejectedAsync(() => Insert("application/x-msdownload", 10));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Updated_at_moves_when_a_row_changes(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var user = await InsertUserAsync(connection, "changer");
        var long_ago = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await connection.ExecuteAsync("UPDATE users SET created_at = @long_ago, updated_at = @long_ago WHERE id = @user", new { long_ago, user });
        await connection.ExecuteAsync("UPDATE users SET bio = 'new bio' WHERE id = @user", new { user });
        var updated = await connection.ExecuteScalarAsync<DateTime>("SELECT updated_at FROM users WHERE id = @user", new { user });
        Assert.True(updated > DateTime.UtcNow.AddMinutes(-5), $"updated_at is {updated:O}");
    }

    [Fact]
    public async Task Sqlite_stores_uuids_and_instants_in_their_documented_text_forms()
    {
        await using var test = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var user = await InsertUserAsync(connection, "texty");
        await connection.ExecuteAsync("UPDATE users SET last_seen_at = @at WHERE id = @user",
            new { at = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234560), user });
        var (id, seen, created) = await connection.QuerySingleAsync<(string, string, string)>("SELECT id, last_seen_at, created_at FROM users");
        Assert.Equal(user.ToString(), id);
        Assert.Equal("2026-03-04T05:06:07.123456Z", seen);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", created);
    }

    internal static async Task<Guid> InsertUserAsync(DbConnection connection, string username, string? email = null)
    {
        var id = Uuid7.NewId();
        await connection.ExecuteAsync(
            "INSERT INTO users (id, username, email, password_hash, display_name) VALUES (@id, @username, @email, 'x', @username)",
            new { id, username, email = email ?? $"{Guid.NewGuid():N}@example.com" });
        return id;
    }

    private static async Task<Guid> InsertGroupAsync(DbConnection connection, Guid creator, string? title)
    {
        var id = Uuid7.NewId();
        await connection.ExecuteAsync(
            "INSERT INTO conversations (id, kind, title, created_by) VALUES (@id, 'group', @title, @creator)", new { id, title, creator });
        return id;
    }

    private static Task InsertMessageAsync(DbConnection connection, Guid conversation, Guid sender, long seq, string body, string? clientMsgId = null) =>
        connection.ExecuteAsync(
            "INSERT INTO messages (id, conversation_id, seq, message_number, sender_id, client_msg_id, kind, body) VALUES (@id, @conversation, @seq, @seq, @sender, @clientMsgId, 'text', @body)",
            new { id = Uuid7.NewId(), conversation, seq, sender, clientMsgId, body });

    private static (Guid Low, Guid High) Ordered(Guid a, Guid b) => Chat.Users.UserPair.Order(a, b);

    private static async Task AssertRejectedAsync(Func<Task> write)
    {
        var error = await Assert.ThrowsAnyAsync<DbException>(write);
        Assert.True(StorageErrors.IsConstraintViolation(error), $"expected a constraint violation, got: {error.Message}");
    }
}
