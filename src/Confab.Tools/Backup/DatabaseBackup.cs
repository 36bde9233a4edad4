using System.Data;
using System.Diagnostics;
using System.Globalization;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Tools.Verification;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Tools.Backup;

/// <summary>
/// Takes a consistent backup of a live database and writes its manifest. SQLite: the online backup API copies the
/// file in one read transaction (WAL lets the server keep writing), then <c>PRAGMA integrity_check</c> and the content
/// checksums run on the copy. PostgreSQL: a REPEATABLE READ transaction exports its snapshot, pg_dump dumps that
/// snapshot while the checksums are computed in the same transaction, so the manifest describes exactly what was dumped.
/// </summary>
public sealed class DatabaseBackup(ConfabDatabase database, PostgresClientTools tools, TimeProvider time)
{
    public async Task<BackupResult> CreateAsync(BackupOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!await database.ExistsAsync(cancellationToken))
        {
            throw new DatabaseUnavailableException($"{database.Target.Display} does not exist; there is nothing to back up");
        }

        var clock = Stopwatch.StartNew();
        var created = time.GetUtcNow().UtcDateTime;
        var (folder, name) = Placement(options, created);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        if (File.Exists(path) || Directory.Exists(path))
        {
            throw new StorageArgumentException($"{path} already exists; a backup never overwrites another");
        }

        var partial = path + ".partial";
        try
        {
            var taken = database.Engine == DatabaseEngine.Sqlite
                ? await SqliteAsync(partial, cancellationToken)
                : await PostgresAsync(partial, options.Jobs, cancellationToken);
            Move(partial, path);
            var manifest = new BackupManifest
            {
                Kind = options.Kind,
                Engine = database.Engine.Name(),
                Layout = taken.Layout,
                Name = name,
                Files = await BackupManifest.DescribeFilesAsync(path, cancellationToken),
                CreatedAt = created,
                ConfabVersion = BackupManifest.ConfabVersionText(),
                Source = database.Target.Display,
                EngineVersion = taken.EngineVersion,
                Tool = taken.Tool,
                SchemaVersion = taken.SchemaVersion,
                Integrity = taken.Integrity,
                Tables = taken.Tables,
                Seconds = clock.Elapsed.TotalSeconds,
            };
            await manifest.WriteAsync(BackupManifest.PathFor(path), cancellationToken);
            var result = new BackupResult { Manifest = manifest, Path = path };
            if (options.Verify)
            {
                var verifying = Stopwatch.StartNew();
                result.VerifyProblems = await new BackupVerifier(tools).VerifyAsync(path, database.Target, cancellationToken);
                result.VerifySeconds = verifying.Elapsed.TotalSeconds;
            }

            if (options.Keep is not null || options.KeepDays is not null)
            {
                result.Pruned = await BackupRetention.ApplyAsync(folder, options.Keep, options.KeepDays, time.GetUtcNow().UtcDateTime, cancellationToken);
            }

            return result;
        }
        catch
        {
            Remove(partial);
            throw;
        }
    }

    private (string Folder, string Name) Placement(BackupOptions options, DateTime created)
    {
        var output = options.Out;
        var isFolder = Directory.Exists(output) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar) || Path.GetExtension(output).Length == 0;
        if (!isFolder)
        {
            var full = Path.GetFullPath(output);
            return (Path.GetDirectoryName(full)!, Path.GetFileName(full));
        }

        var extension = database.Engine == DatabaseEngine.Sqlite ? ".sqlite" : options.Jobs > 1 ? ".pgdir" : ".pgdump";
        var stamp = created.ToString("yyyyMMdd'-'HHmmss'-'fff", CultureInfo.InvariantCulture);
        return (Path.GetFullPath(output), $"confab-{(options.Kind == "backup" ? string.Empty : options.Kind + "-")}{database.Engine.Name()}-{stamp}{extension}");
    }

    private sealed record Taken(BackupLayout Layout, string EngineVersion, string Tool, long SchemaVersion, string? Integrity, IReadOnlyList<TableFingerprint> Tables);

    private async Task<Taken> SqliteAsync(string file, CancellationToken cancellationToken)
    {
        await using (var source = (SqliteConnection)await database.OpenConnectionAsync(cancellationToken))
        {
            await using var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            await copy.OpenAsync(cancellationToken);

            // One step for all pages: the copy is read in one transaction, so it is one moment of the database however
            // much the server writes meanwhile (step by step, each write by another connection would restart the copy).
            await Task.Run(() => source.BackupDatabase(copy), cancellationToken);

            // A single self-contained file: no -wal beside it to lose when it is copied elsewhere.
            await SqliteFiles.ExecuteAsync(copy, "PRAGMA journal_mode=DELETE", cancellationToken);
        }

        var checks = await SqliteFiles.CheckAsync(file, cancellationToken);
        if (checks.Integrity != "ok")
        {
            throw new StorageOperationException($"the copy failed PRAGMA integrity_check: {checks.Integrity}. The database itself may be damaged; run 'confab db doctor'.");
        }

        return new Taken(BackupLayout.SqliteFile, checks.LibraryVersion, "sqlite3_backup", checks.SchemaVersion, checks.Integrity, checks.Tables);
    }

    private async Task<Taken> PostgresAsync(string partial, int jobs, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await database.OpenConnectionAsync(cancellationToken);
        var major = await PostgresClientTools.ServerMajorAsync(connection, cancellationToken);
        var (pgDump, version) = await tools.LocateAsync("pg_dump", major, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var snapshot = await ScalarAsync(connection, "SET TRANSACTION READ ONLY; SELECT pg_export_snapshot()", cancellationToken);
        var serverVersion = await ScalarAsync(connection, "SHOW server_version", cancellationToken);
        var schemaVersion = await SchemaVersionAsync(connection, cancellationToken);

        List<string> arguments = ["--no-password", $"--snapshot={snapshot}", $"--file={partial}"];
        arguments.AddRange(jobs > 1 ? ["--format=directory", $"--jobs={jobs}"] : ["--format=custom"]);
        using var failing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var dump = PostgresClientTools.RunAsync(pgDump, arguments, database.Target, failing.Token);
        var fingerprint = ContentFingerprint.ComputeAsync(connection, failing.Token);

        // Whichever fails first stops the other: a pg_dump that refuses at once does not wait for minutes of checksums.
        var first = await Task.WhenAny(dump, fingerprint);
        if (!first.IsCompletedSuccessfully)
        {
            await failing.CancelAsync();
            try
            {
                await Task.WhenAll(dump, fingerprint);
            }
            catch (Exception)
            {
                // The first failure is the one to report; the other side was only stopped.
            }

            await first;
        }

        var tables = await fingerprint;
        await dump;
        await transaction.CommitAsync(cancellationToken);
        return new Taken(jobs > 1 ? BackupLayout.PostgresDirectory : BackupLayout.PostgresCustom, serverVersion, $"pg_dump {version}", schemaVersion, null, tables);
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture)!;
    }

    internal static async Task<long> SchemaVersionAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations";
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is SqliteException or PostgresException)
        {
            throw new StorageOperationException("this database has no Confab migration journal (schema_migrations); migrate it first", ex);
        }
    }

    private static void Move(string from, string to)
    {
        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }
    }

    internal static void Remove(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        foreach (var file in new[] { path, path + "-journal", path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
