using Dapper;
using Npgsql;

namespace Confab.Tools.Health;

/// <summary>Checks of what maintenance keeps in order: dead rows and autovacuum, bloat, sequences, slow statements, replicas.</summary>
internal static partial class PostgresDoctor
{
    private static async Task<IEnumerable<HealthFinding>> VacuumAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Table, long Live, long Dead, DateTime? LastVacuum, double Threshold, long Pages, double ExpectedPages)>(Sql(
            """
            SELECT s.relname, s.n_live_tup, s.n_dead_tup, greatest(s.last_vacuum, s.last_autovacuum),
                   current_setting('autovacuum_vacuum_threshold')::float8 + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(c.reltuples, 0),
                   c.relpages::bigint,
                   -- The pages the live rows need at their average width (pg_stats), with tuple header and line pointer.
                   coalesce(greatest(c.reltuples, 0) * (24 + 4 + (SELECT sum(st.avg_width) FROM pg_stats st WHERE st.schemaname = 'public' AND st.tablename = s.relname))
                            / (current_setting('block_size')::float8 * 0.9), 0)
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = 'public'
            ORDER BY s.n_dead_tup DESC
            """, cancellationToken));
        var findings = new List<HealthFinding>();
        foreach (var row in rows)
        {
            var dueTwice = row.Dead > 2 * row.Threshold && row.Dead >= 10_000;
            if (dueTwice)
            {
                var last = row.LastVacuum is { } at ? $"last vacuumed {at:yyyy-MM-dd HH:mm}Z" : "never vacuumed";
                findings.Add(new HealthFinding("dead_rows", Severity.Warning, $"{row.Table} holds {row.Dead:N0} dead rows beside {row.Live:N0} live ones; autovacuum is behind ({last})")
                {
                    Fix = $"confab db maintain (VACUUM (ANALYZE) {row.Table}); if it recurs, lower autovacuum_vacuum_scale_factor for the table",
                });
            }

            var wasted = (row.Pages - row.ExpectedPages) * 8192;
            if (row.Pages >= 1280 && row.ExpectedPages > 0 && row.ExpectedPages < row.Pages * 0.5 && wasted >= 64 * MiB)
            {
                findings.Add(new HealthFinding("bloat", Severity.Warning, $"{row.Table} is about {1 - row.ExpectedPages / row.Pages:P0} bloat (an estimated {ByteSize.Format((long)wasted)} more than its rows need)")
                {
                    Details = ["an estimate from planner statistics; pgstattuple measures exactly"],
                    Fix = $"VACUUM FULL {row.Table} (locks the table) or pg_repack; plain VACUUM makes the space reusable but does not return it",
                });
            }
        }

        if (findings.Count == 0)
        {
            findings.Add(new HealthFinding("vacuum", Severity.Ok, "no table is far behind on vacuum or estimated to be bloated"));
        }

        return findings;
    }

    private static async Task<IEnumerable<HealthFinding>> SequencesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Name, long Last, long Max)>(Sql(
            "SELECT sequencename, last_value, max_value FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL", cancellationToken));
        var findings = new List<HealthFinding>();
        foreach (var row in rows)
        {
            var used = (double)row.Last / row.Max;
            if (used >= 0.5)
            {
                findings.Add(new HealthFinding("sequence", used >= 0.9 ? Severity.Critical : Severity.Warning, $"sequence {row.Name} has used {used:P1} of its range ({row.Last:N0} of {row.Max:N0})")
                {
                    Fix = "widen the column and its sequence to bigint (ALTER SEQUENCE ... AS bigint) before it runs out",
                });
            }
        }

        return findings.Count > 0 ? findings : [new HealthFinding("sequence", Severity.Ok, "every sequence has more than half its range left")];
    }

    private static async Task<HealthFinding> SlowStatementsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string enable = "add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart, then CREATE EXTENSION pg_stat_statements;";
        var installed = await connection.ExecuteScalarAsync<bool>(Sql("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')", cancellationToken));
        if (!installed)
        {
            return new HealthFinding("slow_statements", Severity.Info, "pg_stat_statements is not installed, so the slowest statements are unknown") { Fix = enable };
        }

        try
        {
            var rows = await connection.QueryAsync<(double Mean, long Calls, double Total, string Query)>(Sql(
                """
                SELECT mean_exec_time, calls, total_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 120)
                FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= 10
                ORDER BY mean_exec_time DESC LIMIT 5
                """, cancellationToken));
            return new HealthFinding("slow_statements", Severity.Info, "slowest statements by mean time (pg_stat_statements)")
            {
                Details = rows.Select(r => $"{r.Mean:0.0} ms mean, {r.Calls:N0} calls, {r.Total / 1000:0.0} s in all: {r.Query}").ToList(),
            };
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState)
        {
            return new HealthFinding("slow_statements", Severity.Info, "pg_stat_statements is installed but not loaded") { Fix = enable };
        }
    }

    private static async Task<HealthFinding> ReplicationAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (await connection.ExecuteScalarAsync<bool>(Sql("SELECT pg_is_in_recovery()", cancellationToken)))
        {
            var lag = await connection.ExecuteScalarAsync<double?>(Sql("SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END", cancellationToken)) ?? 0;
            return Lag("this server is a replica", lag, []);
        }

        var replicas = (await connection.QueryAsync<(string? Name, string? Address, string State, double? Lag)>(Sql(
            "SELECT application_name, client_addr::text, state, extract(epoch FROM replay_lag)::float8 FROM pg_stat_replication", cancellationToken))).ToList();
        if (replicas.Count == 0)
        {
            return new HealthFinding("replication", Severity.Ok, "no replicas");
        }

        var worst = replicas.Max(r => r.Lag ?? 0);
        return Lag($"{replicas.Count} replica(s)", worst, replicas.Select(r => $"{r.Name} {r.Address} {r.State}, replay lag {Duration(r.Lag ?? 0)}").ToList());
    }

    private static HealthFinding Lag(string what, double seconds, IReadOnlyList<string> details)
    {
        var summary = $"{what}; replay lag {Duration(seconds)}";
        var severity = seconds >= 300 ? Severity.Critical : seconds >= 30 ? Severity.Warning : Severity.Ok;
        return new HealthFinding("replication", severity, summary)
        {
            Details = details,
            Fix = severity == Severity.Ok ? null : "check the replica's disk and network, and long queries on it that conflict with replay (max_standby_streaming_delay)",
        };
    }
}
