using System.Data.Common;
using System.Globalization;
using Confab.Tools.Verification;
using Microsoft.Data.Sqlite;

namespace Confab.Tools.Backup;

/// <summary>An SQLite backup file on its own, outside the server's settings: opened read-only, checked and fingerprinted.</summary>
internal static class SqliteFiles
{
    public sealed record Checks(string Integrity, string LibraryVersion, long SchemaVersion, IReadOnlyList<TableFingerprint> Tables);

    public static SqliteConnection OpenReadOnly(string file) =>
        new(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());

    /// <summary><c>PRAGMA integrity_check</c> and the content checksums, side by side on two connections.</summary>
    public static async Task<Checks> CheckAsync(string file, CancellationToken cancellationToken)
    {
        await using var checking = OpenReadOnly(file);
        await using var reading = OpenReadOnly(file);
        await checking.OpenAsync(cancellationToken);
        await reading.OpenAsync(cancellationToken);
        var integrity = Task.Run(() => IntegrityAsync(checking, cancellationToken), cancellationToken);
        var tables = Task.Run(() => ContentFingerprint.ComputeAsync(reading, cancellationToken), cancellationToken);
        try
        {
            await Task.WhenAll(integrity, tables);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            // SQLITE_CORRUPT, SQLITE_NOTADB: the file is no database, or a damaged one.
            return new Checks(ex.Message, string.Empty, 0, []);
        }

        var version = Convert.ToString(await ScalarAsync(reading, "SELECT sqlite_version()", cancellationToken), CultureInfo.InvariantCulture)!;
        return new Checks(await integrity, version, await DatabaseBackup.SchemaVersionAsync(reading, cancellationToken), await tables);
    }

    private static async Task<string> IntegrityAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check(20)";
        command.CommandTimeout = 0;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("; ", lines);
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
