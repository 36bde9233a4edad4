using System.Globalization;
using Confab.Storage.Engines;
using Dapper;
using Npgsql;

namespace Confab.Tools.Health;

/// <summary>PostgreSQL's checks, read from its statistics views and catalogs; nothing here writes.</summary>
internal static partial class PostgresDoctor
{
    private const long MiB = 1024 * 1024;

    public static async Task<IReadOnlyList<HealthFinding>> ExamineAsync(
        PostgresDatabase database, DoctorOptions options, IReadOnlySet<string> ownIndexes, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await database.OpenConnectionAsync(cancellationToken);
        var findings = new List<HealthFinding>
        {
            await ConnectionsAsync(connection, cancellationToken),
        };
        findings.AddRange(await SessionsAsync(connection, options, cancellationToken));
        findings.Add(await CacheHitAsync(connection, cancellationToken));
        findings.Add(await SizesAsync(connection, cancellationToken));
        findings.AddRange(await UnusedIndexesAsync(connection, ownIndexes, cancellationToken));
        findings.AddRange(await DuplicateIndexesAsync(connection, cancellationToken));
        findings.AddRange(await UnindexedForeignKeysAsync(connection, cancellationToken));
        findings.AddRange(await VacuumAsync(connection, cancellationToken));
        findings.AddRange(await SequencesAsync(connection, cancellationToken));
        findings.Add(await SlowStatementsAsync(connection, cancellationToken));
        findings.Add(await ReplicationAsync(connection, cancellationToken));
        return findings;
    }

    private static CommandDefinition Sql(string sql, CancellationToken cancellationToken, object? args = null) => new(sql, args, cancellationToken: cancellationToken);

    private static async Task<HealthFinding> ConnectionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var (used, max, reserved) = await connection.QuerySingleAsync<(long, long, long)>(Sql(
            """
            SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
                   current_setting('max_connections')::bigint, current_setting('superuser_reserved_connections')::bigint
            """, cancellationToken));
        var available = Math.Max(1, max - reserved);
        var share = (double)used / available;
        var summary = $"{used} of {available} connections in use ({share:P0}; max_connections {max}, {reserved} reserved for superusers)";
        return share switch
        {
            >= 0.9 => new HealthFinding("connections", Severity.Critical, summary) { Fix = "find the client holding connections (pg_stat_activity by application_name), lower Npgsql's Max Pool Size per node, or put pgbouncer in front" },
            >= 0.75 => new HealthFinding("connections", Severity.Warning, summary) { Fix = "lower the pool size per node or add pgbouncer before new nodes are added" },
            _ => new HealthFinding("connections", Severity.Ok, summary),
        };
    }

    private static async Task<IEnumerable<HealthFinding>> SessionsAsync(NpgsqlConnection connection, DoctorOptions options, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(int Pid, string? User, string? Application, string State, double Seconds, string Query)>(Sql(
            """
            SELECT pid, usename, application_name, state,
                   extract(epoch FROM now() - CASE WHEN state = 'active' THEN query_start ELSE state_change END)::float8,
                   left(regexp_replace(query, '\s+', ' ', 'g'), 120)
            FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()
              AND ((state = 'active' AND now() - query_start > make_interval(secs => @long))
                OR (state LIKE 'idle in transaction%' AND now() - state_change > make_interval(secs => @idle)))
            ORDER BY 5 DESC
            """, cancellationToken, new { @long = options.LongRunning.TotalSeconds, idle = options.IdleInTransaction.TotalSeconds }));
        var findings = new List<HealthFinding>();
        foreach (var row in rows)
        {
            var idle = row.State.StartsWith("idle in transaction", StringComparison.Ordinal);
            var limit = idle ? options.IdleInTransaction : options.LongRunning;
            var severity = row.Seconds >= 10 * limit.TotalSeconds ? Severity.Critical : Severity.Warning;
            var who = $"pid {row.Pid} ({row.User}{(string.IsNullOrEmpty(row.Application) ? string.Empty : ", " + row.Application)})";
            findings.Add(idle
                ? new HealthFinding("idle_in_transaction", severity, $"{who} has been idle inside a transaction for {Duration(row.Seconds)}")
                {
                    Details = [$"last statement: {row.Query}", "it holds its locks and keeps vacuum from removing dead rows everywhere"],
                    Fix = $"SELECT pg_terminate_backend({row.Pid}); and set idle_in_transaction_session_timeout (for example '5min') for the role",
                }
                : new HealthFinding("long_running_query", severity, $"{who} has run one statement for {Duration(row.Seconds)}")
                {
                    Details = [$"statement: {row.Query}"],
                    Fix = $"SELECT pg_cancel_backend({row.Pid}); then EXPLAIN the statement; set statement_timeout for the role",
                });
        }

        if (findings.Count == 0)
        {
            findings.Add(new HealthFinding("sessions", Severity.Ok,
                $"no statement running longer than {Duration(options.LongRunning.TotalSeconds)}, no session idle in a transaction longer than {Duration(options.IdleInTransaction.TotalSeconds)}"));
        }

        return findings;
    }

    private static async Task<HealthFinding> CacheHitAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var (hit, read, buffers) = await connection.QuerySingleAsync<(long, long, string)>(Sql(
            """
            SELECT coalesce(sum(heap_blks_hit + coalesce(idx_blks_hit, 0)), 0)::bigint,
                   coalesce(sum(heap_blks_read + coalesce(idx_blks_read, 0)), 0)::bigint,
                   current_setting('shared_buffers')
            FROM pg_statio_user_tables
            """, cancellationToken));
        if (hit + read < 10_000)
        {
            return new HealthFinding("cache_hit_ratio", Severity.Ok, $"too few block reads yet to judge ({hit + read:N0})");
        }

        var ratio = (double)hit / (hit + read);
        var summary = $"{ratio:P2} of table and index blocks were found in shared_buffers ({buffers})";
        return ratio < 0.95
            ? new HealthFinding("cache_hit_ratio", Severity.Warning, summary) { Fix = "raise shared_buffers (about a quarter of RAM) or move to a machine whose memory holds the working set" }
            : new HealthFinding("cache_hit_ratio", Severity.Ok, summary);
    }

    private static async Task<HealthFinding> SizesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var database = await connection.ExecuteScalarAsync<long>(Sql("SELECT pg_database_size(current_database())", cancellationToken));
        var rows = await connection.QueryAsync<(string Name, long Table, long Indexes, long Rows)>(Sql(
            """
            SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid), c.reltuples::bigint
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 10
            """, cancellationToken));
        return new HealthFinding("sizes", Severity.Info, $"database {ByteSize.Format(database)}; largest tables:")
        {
            Details = rows.Select(r => $"{r.Name}: table {ByteSize.Format(r.Table)}, indexes {ByteSize.Format(r.Indexes)}, " + (r.Rows < 0 ? "not analyzed yet" : $"about {r.Rows:N0} rows")).ToList(),
        };
    }

    internal static string Duration(double seconds) => seconds switch
    {
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.0} h"),
    };
}
