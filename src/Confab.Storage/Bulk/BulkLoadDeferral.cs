using System.Data.Common;
using Dapper;
using Npgsql;

namespace Confab.Storage.Bulk;

/// <summary>
/// For a bulk load into tables that are small next to what is coming: drops their secondary indexes and
/// foreign keys (PostgreSQL), or their secondary indexes and full-text triggers (SQLite), and builds them again
/// once the data is in — one sort per index and one join per foreign key instead of work for every row.
/// Everything happens inside the caller's transaction, from the definitions the catalog held, so the schema
/// afterwards is identical; a load that fails rolls the drops back with it. Unique indexes are rebuilt too,
/// so a duplicate still fails the load, at the end instead of at the row. Statistics are refreshed last, so the
/// planner does not price the loaded tables as empty.
/// </summary>
public sealed class BulkLoadDeferral
{
    private const int BulkCacheKib = 256 * 1024;

    private readonly DbConnection connection;
    private readonly DbTransaction transaction;
    private readonly IReadOnlyList<string> restore;

    private BulkLoadDeferral(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> restore)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.restore = restore;
    }

    /// <summary>Statements that rebuild what was dropped, in order.</summary>
    public IReadOnlyList<string> RestoreStatements => restore;

    public static async Task<BulkLoadDeferral> SuspendAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tables);
        var plan = await PlanAsync(connection, transaction, tables, cancellationToken);
        List<string> drop;
        List<string> restore;
        if (connection is NpgsqlConnection)
        {
            // A bulk load announces nothing: no live reader waits for rows that arrive by the million.
            drop = ["SELECT set_config('confab.signals', 'off', true)", .. plan.Drop];

            // Index builds sort in memory up to maintenance_work_mem; the default 64 MB spills early.
            restore = [PostgresBuildSetting, .. plan.Builds.Select(b => b.Sql)];
        }
        else
        {
            // A large page cache keeps the load from spilling pages to the WAL mid-transaction, and in-memory temp
            // storage keeps index builds from sorting through temp files; both are bounded and set back afterwards.
            var cacheSize = await connection.ExecuteScalarAsync<long>(new CommandDefinition("PRAGMA cache_size", transaction: transaction, cancellationToken: cancellationToken));
            var tempStore = await connection.ExecuteScalarAsync<long>(new CommandDefinition("PRAGMA temp_store", transaction: transaction, cancellationToken: cancellationToken));
            drop = [.. SqliteBuildSettings, .. plan.Drop];
            restore =
            [
                .. plan.Builds.Select(b => b.Sql),
                FormattableString.Invariant($"PRAGMA cache_size = {cacheSize}"),
                FormattableString.Invariant($"PRAGMA temp_store = {tempStore}"),
            ];
        }

        foreach (var statement in drop)
        {
            await ExecuteAsync(connection, transaction, statement, cancellationToken);
        }

        return new BulkLoadDeferral(connection, transaction, restore);
    }

    /// <summary>Raises PostgreSQL's sort memory for index builds, for the transaction it runs in.</summary>
    public const string PostgresBuildSetting = "SET LOCAL maintenance_work_mem = '512MB'";

    /// <summary>SQLite settings for a connection that loads and builds indexes (the cache is bounded: 256 MB).</summary>
    public static IReadOnlyList<string> SqliteBuildSettings { get; } = [$"PRAGMA cache_size = -{BulkCacheKib}", "PRAGMA temp_store = MEMORY"];

    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        foreach (var statement in restore)
        {
            await ExecuteAsync(connection, transaction, statement, cancellationToken);
        }
    }

    /// <summary>
    /// What a load into <paramref name="tables"/> may drop and must build again afterwards, from the catalog:
    /// secondary indexes and foreign keys on PostgreSQL; secondary indexes and the triggers that feed a full-text
    /// index on SQLite (whose index is then rebuilt once). Builds come in a safe order and end with ANALYZE.
    /// </summary>
    public static Task<DeferralPlan> PlanAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tables);
        return connection is NpgsqlConnection
            ? PlanPostgresAsync(connection, transaction, tables, cancellationToken)
            : PlanSqliteAsync(connection, transaction, tables, cancellationToken);
    }

    private static async Task<DeferralPlan> PlanPostgresAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        var names = tables.ToArray();
        var indexes = (await connection.QueryAsync<(string Table, string Name, string Definition)>(new CommandDefinition(
            """
            SELECT t.relname::text, i.relname::text, pg_get_indexdef(ix.indexrelid)
            FROM pg_index ix
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_class t ON t.oid = ix.indrelid
            WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(@names) AND NOT ix.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
            ORDER BY i.relname
            """,
            new { names },
            transaction,
            cancellationToken: cancellationToken))).ToList();
        var foreignKeys = (await connection.QueryAsync<(string Table, string Name, string Definition)>(new CommandDefinition(
            """
            SELECT t.relname::text, c.conname::text, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE t.relnamespace = current_schema()::regnamespace AND c.contype = 'f' AND t.relname = ANY(@names)
            ORDER BY t.relname, c.conname
            """,
            new { names },
            transaction,
            cancellationToken: cancellationToken))).ToList();

        var drop = foreignKeys.Select(f => $"ALTER TABLE {Quote(f.Table)} DROP CONSTRAINT {Quote(f.Name)}")
            .Concat(indexes.Select(i => $"DROP INDEX {Quote(i.Name)}"))
            .ToList();
        var builds = indexes.Select(i => new DeferredBuild(i.Table, DeferredBuild.Index, i.Definition))
            .Concat(foreignKeys.Select(f => new DeferredBuild(f.Table, DeferredBuild.Constraint, $"ALTER TABLE {Quote(f.Table)} ADD CONSTRAINT {Quote(f.Name)} {f.Definition}")))

            // Fresh statistics, or the planner prices the loaded tables as empty and picks nested loops over them.
            .Concat(names.Select(t => new DeferredBuild(t, DeferredBuild.Analyze, $"ANALYZE {Quote(t)}")))
            .ToList();
        return new DeferralPlan(drop, builds);
    }

    private static async Task<DeferralPlan> PlanSqliteAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        var objects = (await connection.QueryAsync<(string Type, string Name, string Table, string? Sql)>(new CommandDefinition(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'table') ORDER BY name",
            transaction: transaction,
            cancellationToken: cancellationToken))).ToList();
        var fullText = objects.Where(o => o.Type == "table" && o.Sql?.Contains("USING fts5", StringComparison.OrdinalIgnoreCase) == true)
            .Select(o => o.Name).ToList();
        var indexes = objects.Where(o => o.Type == "index" && o.Sql is not null && tables.Contains(o.Table)).ToList();

        // Triggers that feed a full-text index from a loaded table: the index is rebuilt once instead.
        var feeders = objects.Where(o => o.Type == "trigger" && tables.Contains(o.Table)
            && fullText.Any(f => o.Sql!.Contains(f, StringComparison.Ordinal))).ToList();
        var rebuilt = fullText.Where(f => feeders.Any(t => t.Sql!.Contains(f, StringComparison.Ordinal))).ToList();

        var drop = indexes.Select(i => $"DROP INDEX {Quote(i.Name)}")
            .Concat(feeders.Select(t => $"DROP TRIGGER {Quote(t.Name)}"))
            .ToList();
        var builds = indexes.Select(i => new DeferredBuild(i.Table, DeferredBuild.Index, i.Sql!))
            .Concat(rebuilt.Select(f => new DeferredBuild(feeders.First(t => t.Sql!.Contains(f, StringComparison.Ordinal)).Table, DeferredBuild.Search, $"INSERT INTO {Quote(f)} ({Quote(f)}) VALUES ('rebuild')")))
            .Concat(feeders.Select(t => new DeferredBuild(t.Table, DeferredBuild.Trigger, t.Sql!)))
            .Append(new DeferredBuild(string.Empty, DeferredBuild.Analyze, "PRAGMA analysis_limit = 1000"))
            .Concat(tables.Select(t => new DeferredBuild(t, DeferredBuild.Analyze, $"ANALYZE {Quote(t)}")))
            .ToList();
        return new DeferralPlan(drop, builds);
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, commandTimeout: 0, cancellationToken: cancellationToken));
}

/// <summary>What a bulk load drops up front and the builds that put it back, in order.</summary>
public sealed record DeferralPlan(IReadOnlyList<string> Drop, IReadOnlyList<DeferredBuild> Builds);

/// <summary>One statement that builds back something a bulk load dropped.</summary>
public sealed record DeferredBuild(string Table, string Kind, string Sql)
{
    public const string Index = "index";
    public const string Constraint = "constraint";
    public const string Search = "search";
    public const string Trigger = "trigger";
    public const string Analyze = "analyze";
}
