using Confab.Chat.Messages;
using Confab.IntegrationTests.Port;
using Confab.Storage.Engines;
using Confab.Tools.Backup;
using Confab.Tools.Verification;
using Dapper;

namespace Confab.IntegrationTests.Operations;

public class BackupTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_backup_restores_to_a_database_equal_to_the_source_and_its_manifest(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 600);
        using var folder = new TempFolder();
        var result = await BackupAsync(source, new BackupOptions { Out = folder.Path, Verify = true });

        Assert.Equal([], result.VerifyProblems);
        Assert.True(File.Exists(BackupManifest.PathFor(result.Path)));
        Assert.Equal(await PortFixtures.CountAsync(source, "messages"), result.Manifest.Tables.Single(t => t.Name == "messages").Rows);
        Assert.Equal(TestCatalogs.Shipped(source.Engine), result.Manifest.SchemaVersion);
        Assert.Equal(engine == TestDatabase.Sqlite ? "ok" : null, result.Manifest.Integrity);

        await using var restored = await TestDatabase.CreateAsync(engine, create: false);
        var restore = await new DatabaseRestore(new PostgresClientTools(), TimeProvider.System).RestoreAsync(result.Path, restored.Target, replace: false, jobs: 1, None);
        Assert.Equal([], restore.Problems);
        Assert.Null(restore.SafetyBackup);

        var verify = await PortFixtures.VerifyAsync(source, restored);
        Assert.True(verify.Matches, PortFixtures.Describe(verify));

        // The manifest's checksums are verify's: one machinery, so a backup, a port and a restore compare with one another.
        foreach (var table in verify.Tables)
        {
            Assert.Equal(table.SourceChecksum, result.Manifest.Tables.Single(t => t.Name == table.Name).Checksum);
        }
    }

    [Fact]
    public async Task A_parallel_directory_backup_of_postgres_restores_with_parallel_jobs()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Postgres, messages: 300);
        using var folder = new TempFolder();
        var result = await BackupAsync(source, new BackupOptions { Out = folder.Path, Jobs = 2, Verify = true });

        Assert.Equal(BackupLayout.PostgresDirectory, result.Manifest.Layout);
        Assert.True(Directory.Exists(result.Path));
        Assert.True(result.Manifest.Files.Count > 2);
        Assert.Equal([], result.VerifyProblems);

        await using var restored = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var restore = await new DatabaseRestore(new PostgresClientTools(), TimeProvider.System).RestoreAsync(result.Path, restored.Target, false, jobs: 2, None);
        Assert.Equal([], restore.Problems);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_backup_taken_while_messages_are_sent_is_one_consistent_moment(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 2000);
        using var folder = new TempFolder();
        await using var db = source.Open();
        var (conversation, sender) = await GroupAndMemberAsync(db);
        var store = new MessageStore(db, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await store.SendAsync(sender, conversation, new NewMessage($"w-{sent}", $"written during the backup {sent}", null, null), None);
                Interlocked.Increment(ref sent);
            }
        });
        while (Volatile.Read(ref sent) < 20)
        {
            await Task.Delay(10);
        }

        var before = Volatile.Read(ref sent);
        var result = await BackupAsync(source, new BackupOptions { Out = folder.Path });
        var during = Volatile.Read(ref sent) - before;
        await stop.CancelAsync();
        await writer;

        Assert.True(during > 0, "no message was sent while the backup ran");
        await using var restored = await TestDatabase.CreateAsync(engine, create: false);
        var restore = await new DatabaseRestore(new PostgresClientTools(), TimeProvider.System).RestoreAsync(result.Path, restored.Target, false, 1, None);

        // The manifest was computed apart from the copy (PostgreSQL: beside pg_dump in its exported snapshot) and still
        // describes it exactly; and inside the copy every counter agrees with its log: no half-written send.
        Assert.Equal([], restore.Problems);
        await using var copy = restored.Open();
        await using var connection = await copy.OpenConnectionAsync(None);
        var inconsistent = await connection.ExecuteScalarAsync<long>(
            """
            SELECT count(*) FROM conversations c
            WHERE c.last_seq <> (SELECT coalesce(max(seq), 0) FROM conversation_events e WHERE e.conversation_id = c.id)
               OR c.message_count <> (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
            """);
        Assert.Equal(0, inconsistent);
        var copied = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE client_msg_id LIKE 'w-%'");
        Assert.InRange(copied, before, Volatile.Read(ref sent));
    }

    [Fact]
    public async Task Retention_prunes_by_count_and_age_but_never_the_newest_good_backup()
    {
        await using var source = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        using var folder = new TempFolder();
        var clock = new ManualClock(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var names = new List<string>();
        for (var day = 0; day < 4; day++)
        {
            clock.Now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(day * 10);
            names.Add(Path.GetFileName((await BackupAsync(source, new BackupOptions { Out = folder.Path }, clock)).Path));
        }

        // A safety copy and a file confab did not write are never pruned.
        clock.Now = clock.Now.AddHours(1);
        var safety = Path.GetFileName((await BackupAsync(source, new BackupOptions { Out = folder.Path, Kind = "safety" }, clock)).Path);
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "notes.txt"), "kept");

        clock.Now = new DateTime(2026, 2, 10, 0, 0, 0, DateTimeKind.Utc);
        var fifth = await BackupAsync(source, new BackupOptions { Out = folder.Path, Keep = 3 }, clock);
        Assert.Equal([names[1], names[0]], fifth.Pruned);
        Assert.Equal([names[2], names[3], Path.GetFileName(fifth.Path)], Backups(folder));

        var byAge = await BackupRetention.ApplyAsync(folder.Path, keep: null, keepDays: 15, clock.Now, None);
        Assert.Equal([names[2]], byAge);

        // The newest backup is truncated: it is not good, so the one before it is kept although everything is too old.
        clock.Now = clock.Now.AddDays(1);
        var broken = await BackupAsync(source, new BackupOptions { Out = folder.Path }, clock);
        await using (var stream = new FileStream(broken.Path, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var allOld = await BackupRetention.ApplyAsync(folder.Path, keep: 1, keepDays: 1, clock.Now.AddDays(100), None);
        Assert.Equal([Path.GetFileName(broken.Path), names[3]], allOld);
        Assert.Equal([Path.GetFileName(fifth.Path)], Backups(folder));
        Assert.True(File.Exists(Path.Combine(folder.Path, safety)));
        Assert.True(File.Exists(Path.Combine(folder.Path, "notes.txt")));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Restore_refuses_a_database_that_is_not_empty_and_with_yes_keeps_a_safety_backup(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 100);
        await using var other = await PortFixtures.SourceAsync(engine, messages: 40);
        using var folder = new TempFolder();
        var backup = await BackupAsync(source, new BackupOptions { Out = folder.Path });
        var before = await PortFixtures.CountAsync(other, "messages");

        var refused = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", other.Url);
        Assert.Equal(1, refused.Code);
        Assert.Contains("is not empty", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--yes", refused.Error, StringComparison.Ordinal);
        Assert.Equal(before, await PortFixtures.CountAsync(other, "messages"));

        var replaced = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", other.Url, "--yes");
        Assert.True(replaced.Code == 0, replaced.Error + replaced.Output);
        Assert.Contains("matches the manifest", replaced.Output, StringComparison.Ordinal);
        var verify = await PortFixtures.VerifyAsync(source, other);
        Assert.True(verify.Matches, PortFixtures.Describe(verify));

        // What was replaced is in the safety backup, which restores to the old content.
        var safety = Directory.GetFiles(folder.Path, "confab-safety-*" + BackupManifest.Suffix).Single();
        await using var previous = await TestDatabase.CreateAsync(engine, create: false);
        var restore = await new DatabaseRestore(new PostgresClientTools(), TimeProvider.System).RestoreAsync(safety, previous.Target, false, 1, None);
        Assert.Equal([], restore.Problems);
        Assert.Equal(before, await PortFixtures.CountAsync(previous, "messages"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_truncated_or_altered_backup_is_refused_before_anything_is_written(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 200);
        using var folder = new TempFolder();
        var backup = await BackupAsync(source, new BackupOptions { Out = folder.Path });
        var original = await File.ReadAllBytesAsync(backup.Path);
        await using var target = await TestDatabase.CreateAsync(engine, create: false);

        await File.WriteAllBytesAsync(backup.Path, original[..(original.Length / 2)]);
        var truncated = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", target.Url);
        Assert.Equal(1, truncated.Code);
        Assert.Contains("truncated", truncated.Error, StringComparison.Ordinal);

        var altered = original.ToArray();
        altered[altered.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(backup.Path, altered);
        var tampered = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", target.Url);
        Assert.Equal(1, tampered.Code);
        Assert.Contains("changed since the backup was taken", tampered.Error, StringComparison.Ordinal);
        Assert.False(await ExistsWithTablesAsync(target));

        // Intact files under an edited manifest: restored, then the content check finds the difference.
        await File.WriteAllBytesAsync(backup.Path, original);
        var manifestPath = BackupManifest.PathFor(backup.Path);
        var messages = backup.Manifest.Tables.Single(t => t.Name == "messages").Rows;
        var text = await File.ReadAllTextAsync(manifestPath);
        await File.WriteAllTextAsync(manifestPath, text.Replace($"\"name\": \"messages\",\n      \"rows\": {messages},", $"\"name\": \"messages\",\n      \"rows\": {messages + 1},", StringComparison.Ordinal));
        var edited = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", target.Url);
        Assert.Equal(1, edited.Code);
        Assert.Contains($"table messages has {messages:N0} rows, the manifest says {messages + 1:N0}", edited.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_backup_file_is_never_overwritten_and_restores_only_into_its_own_engine()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "nightly.sqlite");
        var backup = await BackupAsync(source, new BackupOptions { Out = file });
        Assert.Equal(file, backup.Path);
        Assert.True(File.Exists(file + ".manifest.json"));

        var again = await ConfabProcess.RunAsync("db", "backup", "--db", source.Url, "--out", file);
        Assert.Equal(2, again.Code);
        Assert.Contains("already exists", again.Error, StringComparison.Ordinal);

        await using var postgres = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var crossed = await ConfabProcess.RunAsync("db", "restore", file, "--db", postgres.Url);
        Assert.Equal(2, crossed.Code);
        Assert.Contains("restores into sqlite only", crossed.Error, StringComparison.Ordinal);
        Assert.Contains("confab db port", crossed.Error, StringComparison.Ordinal);

        // A file without its manifest is not a finished backup.
        File.Delete(file + ".manifest.json");
        var unfinished = await ConfabProcess.RunAsync("db", "restore", file, "--db", "sqlite:" + Path.Combine(folder.Path, "r.db"));
        Assert.Equal(2, unfinished.Code);
        Assert.Contains("has no manifest", unfinished.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "r.db")));
    }

    [Fact]
    public async Task A_damaged_or_foreign_manifest_is_refused_before_anything_is_written()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);
        using var folder = new TempFolder();
        var backup = await BackupAsync(source, new BackupOptions { Out = folder.Path });
        var manifest = BackupManifest.PathFor(backup.Path);
        var target = Path.Combine(folder.Path, "restored.db");

        await File.WriteAllTextAsync(manifest, "{ \"format\": 1, \"engine\": ");
        var damaged = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", "sqlite:" + target);
        Assert.Equal(1, damaged.Code);
        Assert.Contains("is damaged", damaged.Error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(manifest, "{ \"format\": 7 }");
        var foreign = await ConfabProcess.RunAsync("db", "restore", backup.Path, "--db", "sqlite:" + target);
        Assert.Equal(1, foreign.Code);
        Assert.Contains("format this confab does not read", foreign.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Backup_verify_fails_when_the_backup_does_not_restore_to_its_manifest()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 50);
        using var folder = new TempFolder();
        var backup = await BackupAsync(source, new BackupOptions { Out = folder.Path });
        var altered = await File.ReadAllBytesAsync(backup.Path);
        altered[^100] ^= 0x01;
        await File.WriteAllBytesAsync(backup.Path, altered);

        var problems = await new BackupVerifier(new PostgresClientTools()).VerifyAsync(backup.Path, source.Target, None);
        Assert.Contains(problems, p => p.Contains("changed since the backup was taken", StringComparison.Ordinal));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_missing_or_old_pg_dump_is_named_with_how_to_install_it()
    {
        await using var source = await TestDatabase.MigratedAsync(TestDatabase.Postgres);
        using var folder = new TempFolder();
        var bin = Directory.CreateDirectory(Path.Combine(folder.Path, "bin")).FullName;
        var missing = await Assert.ThrowsAsync<Confab.Storage.StorageOperationException>(() =>
            BackupAsync(source, new BackupOptions { Out = folder.Path }, tools: new PostgresClientTools(name => name == "CONFAB_PG_BIN" ? bin : null)));
        Assert.Contains("pg_dump was not found", missing.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql-client-", missing.Message, StringComparison.Ordinal);

        var old = Path.Combine(bin, "pg_dump");
        await File.WriteAllTextAsync(old, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
        File.SetUnixFileMode(old, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var tooOld = await Assert.ThrowsAsync<Confab.Storage.StorageOperationException>(() =>
            BackupAsync(source, new BackupOptions { Out = folder.Path }, tools: new PostgresClientTools(name => name == "CONFAB_PG_BIN" ? bin : null)));
        Assert.Contains("too old", tooOld.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));

        // A pg_dump that fails: its own message is reported, the checksums stop with it, nothing is left behind.
        await File.WriteAllTextAsync(old, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 99.0'; exit 0; fi\necho 'pg_dump: error: simulated failure' >&2\nexit 1\n");
        var failed = await Assert.ThrowsAsync<Confab.Storage.StorageOperationException>(() =>
            BackupAsync(source, new BackupOptions { Out = folder.Path }, tools: new PostgresClientTools(name => name == "CONFAB_PG_BIN" ? bin : null)));
        Assert.Contains("simulated failure", failed.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));
        Assert.Equal(["bin"], Directory.GetDirectories(folder.Path).Select(Path.GetFileName));
    }

    private static async Task<BackupResult> BackupAsync(TestDatabase source, BackupOptions options, TimeProvider? clock = null, PostgresClientTools? tools = null)
    {
        await using var db = source.Open();
        return await new DatabaseBackup(db, tools ?? new PostgresClientTools(), clock ?? TimeProvider.System).CreateAsync(options, None);
    }

    private static List<string> Backups(TempFolder folder) =>
        Directory.GetFiles(folder.Path, "confab-sqlite-*.sqlite").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    private static async Task<(Guid Conversation, Guid Sender)> GroupAndMemberAsync(ConfabDatabase db)
    {
        await using var connection = await db.OpenConnectionAsync(None);
        return await connection.QuerySingleAsync<(Guid, Guid)>(
            "SELECT c.id, p.user_id FROM conversations c JOIN participants p ON p.conversation_id = c.id WHERE c.kind = 'group' ORDER BY c.created_at, c.id, p.user_id LIMIT 1");
    }

    private static async Task<bool> ExistsWithTablesAsync(TestDatabase test)
    {
        await using var db = test.Open(create: false);
        return await db.ExistsAsync(None) && await DatabaseRestore.UserTablesAsync(db, None) > 0;
    }
}
