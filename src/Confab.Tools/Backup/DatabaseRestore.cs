using System.Diagnostics;
using System.Globalization;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Tools.Verification;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Tools.Backup;

/// <summary>What a restore did.</summary>
public sealed class RestoreResult
{
    public required BackupManifest Manifest { get; init; }

    public required string Target { get; init; }

    /// <summary>The backup restore took of the database it replaced (only with --yes on a non-empty database).</summary>
    public string? SafetyBackup { get; init; }

    /// <summary>How the restored database differs from the manifest; empty when it matches.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public double RestoreSeconds { get; init; }

    public double CheckSeconds { get; init; }
}

/// <summary>
/// Restores a backup: its files are checked against the manifest first (a truncated or altered backup is refused
/// before anything is touched), the target must be empty unless replacing was confirmed (then a safety backup of
/// it is taken first), and afterwards the restored content is checksummed and compared with the manifest.
/// </summary>
public sealed class DatabaseRestore(PostgresClientTools tools, TimeProvider time)
{
    public async Task<RestoreResult> RestoreAsync(string backup, DatabaseTarget target, bool replace, int jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (manifest, path) = await OpenCheckedAsync(backup, cancellationToken);
        if (manifest.Engine != target.Engine.Name())
        {
            throw new StorageArgumentException(
                $"{backup} is a {manifest.Engine} backup and restores into {manifest.Engine} only; restore it there and move it with 'confab db port'");
        }

        string? safety = null;
        await using (var database = ConfabDatabase.Open(target, create: true))
        {
            await database.EnsureCreatedAsync(cancellationToken);
            var tables = await UserTablesAsync(database, cancellationToken);
            if (tables > 0)
            {
                if (!replace)
                {
                    throw new StorageOperationException(
                        $"{target.Display} is not empty ({tables} tables); nothing was restored. Restore into an empty database, "
                        + "or pass --yes to replace it (a safety backup of it is taken first).");
                }

                var taken = await new DatabaseBackup(database, tools, time).CreateAsync(
                    new BackupOptions { Out = Path.GetDirectoryName(path)!, Kind = "safety" }, cancellationToken);
                safety = taken.Path;
            }
        }

        ClearPools();
        var clock = Stopwatch.StartNew();
        await RestoreIntoAsync(manifest, path, target, jobs, cleanFirst: safety is not null, cancellationToken);
        var restoreSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var problems = await CompareAsync(manifest, target, cancellationToken);
        return new RestoreResult
        {
            Manifest = manifest,
            Target = target.Display,
            SafetyBackup = safety,
            Problems = problems,
            RestoreSeconds = restoreSeconds,
            CheckSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Reads the manifest and checks the backup's files against it; a damaged backup is refused here.</summary>
    public static async Task<(BackupManifest Manifest, string Path)> OpenCheckedAsync(string backup, CancellationToken cancellationToken)
    {
        var (manifest, path) = await BackupManifest.ReadAsync(backup, cancellationToken);
        var damage = await manifest.CheckFilesAsync(path, cancellationToken);
        if (damage.Count > 0)
        {
            throw new StorageOperationException($"the backup {path} does not match its manifest, so it was not used: {string.Join("; ", damage)}");
        }

        return (manifest, path);
    }

    /// <summary>Loads the backup into <paramref name="target"/>, which is empty (or, with <paramref name="cleanFirst"/>, about to be emptied).</summary>
    internal async Task RestoreIntoAsync(BackupManifest manifest, string path, DatabaseTarget target, int jobs, bool cleanFirst, CancellationToken cancellationToken)
    {
        if (manifest.Layout == BackupLayout.SqliteFile)
        {
            // The backup API writes the whole destination in one transaction: a failed restore leaves it as it was.
            await using var source = SqliteFiles.OpenReadOnly(path);
            await using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target.SqlitePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            await source.OpenAsync(cancellationToken);
            await destination.OpenAsync(cancellationToken);
            await Task.Run(() => source.BackupDatabase(destination), cancellationToken);
            return;
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var (pgRestore, _) = await tools.LocateAsync("pg_restore", await PostgresClientTools.ServerMajorAsync(connection, cancellationToken), cancellationToken);
        if (cleanFirst)
        {
            await using var clean = new NpgsqlCommand("DROP SCHEMA public CASCADE; CREATE SCHEMA public", connection);
            await clean.ExecuteNonQueryAsync(cancellationToken);
        }

        // Ownership and grants name roles of the machine the dump came from; the restoring role owns what it creates.
        List<string> arguments = ["--no-password", "--exit-on-error", "--no-owner", "--no-privileges", $"--dbname={target.DatabaseName}"];
        arguments.Add(jobs > 1 ? $"--jobs={jobs}" : "--single-transaction");
        arguments.Add(path);
        await PostgresClientTools.RunAsync(pgRestore, arguments, target, cancellationToken);
    }

    internal static async Task<IReadOnlyList<string>> CompareAsync(BackupManifest manifest, DatabaseTarget target, CancellationToken cancellationToken)
    {
        await using var database = ConfabDatabase.Open(target);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var actual = await ContentFingerprint.ComputeAsync(connection, cancellationToken);
        var problems = manifest.CompareContent(actual).ToList();
        var version = await DatabaseBackup.SchemaVersionAsync(connection, cancellationToken);
        if (version != manifest.SchemaVersion)
        {
            problems.Add($"schema version {version}, the manifest says {manifest.SchemaVersion}");
        }

        return problems;
    }

    /// <summary>Tables in the database's own namespace (PostgreSQL: schema public; SQLite: outside sqlite_*).</summary>
    public static async Task<long> UserTablesAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (database.Engine == DatabaseEngine.Sqlite && !File.Exists(database.Target.SqlitePath))
        {
            return 0;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = database.Engine == DatabaseEngine.Sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            : "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    internal static void ClearPools()
    {
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
    }
}
