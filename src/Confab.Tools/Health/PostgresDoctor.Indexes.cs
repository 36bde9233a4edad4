using Dapper;
using Npgsql;

namespace Confab.Tools.Health;

/// <summary>Index checks: never used, covered by another index, and foreign keys with no index on their columns.</summary>
internal static partial class PostgresDoctor
{
    private static async Task<IEnumerable<HealthFinding>> UnusedIndexesAsync(NpgsqlConnection connection, IReadOnlySet<string> ownIndexes, CancellationToken cancellationToken)
    {
        var statsSince = await connection.ExecuteScalarAsync<DateTime?>(Sql("SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()", cancellationToken));
        var rows = (await connection.QueryAsync<(string Index, string Table, long Bytes)>(Sql(
            """
            SELECT s.indexrelname, s.relname, pg_relation_size(s.indexrelid)
            FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
            WHERE s.schemaname = 'public' AND s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
            ORDER BY pg_relation_size(s.indexrelid) DESC
            """, cancellationToken))).ToList();
        var since = statsSince is { } reset ? $"since statistics were reset ({reset:yyyy-MM-dd HH:mm}Z)" : "since the statistics began";
        var findings = rows.Where(r => !ownIndexes.Contains(r.Index)).Select(r =>
            new HealthFinding("unused_index", Severity.Warning, $"index {r.Index} on {r.Table} ({ByteSize.Format(r.Bytes)}) has not been used {since}")
            {
                Details = ["it is not part of Confab's schema; every write to the table still maintains it"],
                Fix = $"DROP INDEX CONCURRENTLY {r.Index};",
            }).ToList();
        var own = rows.Where(r => ownIndexes.Contains(r.Index)).ToList();
        if (own.Count > 0)
        {
            findings.Add(new HealthFinding("unused_index", Severity.Info, $"{own.Count} of Confab's own indexes have not been used {since}")
            {
                Details = [.. own.Take(10).Select(r => $"{r.Index} on {r.Table} ({ByteSize.Format(r.Bytes)})"), "they serve features that may not have been used yet (search, key claims, exports); keep them"],
            });
        }

        return findings;
    }

    private static async Task<IEnumerable<HealthFinding>> DuplicateIndexesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // An index whose columns begin another index's (same method, neither partial nor on expressions) answers nothing
        // the longer one does not; unless it is unique, it only costs writes.
        var rows = await connection.QueryAsync<(string Covered, string Covering, string Table, long Bytes)>(Sql(
            """
            SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text, a.indrelid::regclass::text, pg_relation_size(a.indexrelid)
            FROM pg_index a
            JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
            JOIN pg_class ca ON ca.oid = a.indexrelid JOIN pg_class cb ON cb.oid = b.indexrelid
            JOIN pg_namespace n ON n.oid = ca.relnamespace
            WHERE n.nspname = 'public' AND ca.relam = cb.relam AND NOT a.indisunique
              AND a.indpred IS NULL AND b.indpred IS NULL AND a.indexprs IS NULL AND b.indexprs IS NULL
              AND a.indnkeyatts <= b.indnkeyatts
              AND (b.indkey::int2[])[0:a.indnkeyatts - 1] = (a.indkey::int2[])[0:a.indnkeyatts - 1]
              AND (a.indnkeyatts < b.indnkeyatts OR a.indexrelid > b.indexrelid OR b.indisunique)
            ORDER BY 1
            """, cancellationToken));
        return rows.Select(r => new HealthFinding("duplicate_index", Severity.Warning, $"index {r.Covered} on {r.Table} ({ByteSize.Format(r.Bytes)}) is covered by {r.Covering}")
        {
            Fix = $"DROP INDEX CONCURRENTLY {r.Covered};",
        });
    }

    private static async Task<IEnumerable<HealthFinding>> UnindexedForeignKeysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Without an index on the referencing columns, every delete or key change of a parent row scans the child table.
        // A partial index counts: the equality an FK action tests implies the column is not null.
        var rows = await connection.QueryAsync<(string Table, string Constraint, string Columns, string Parent)>(Sql(
            """
            SELECT c.conrelid::regclass::text, c.conname,
                   (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
                   c.confrelid::regclass::text
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'f' AND n.nspname = 'public'
              AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                WHERE i.indrelid = c.conrelid AND i.indexprs IS NULL
                  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
            ORDER BY 1, 2
            """, cancellationToken));
        return rows.Select(r => new HealthFinding("foreign_key_without_index", Severity.Warning, $"foreign key {r.Constraint} on {r.Table} ({r.Columns}) → {r.Parent} has no index")
        {
            Details = [$"deleting or re-keying a row of {r.Parent} scans all of {r.Table}"],
            Fix = $"CREATE INDEX CONCURRENTLY ON {r.Table} ({r.Columns});",
        });
    }
}
