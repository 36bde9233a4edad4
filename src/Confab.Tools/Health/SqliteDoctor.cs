using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Confab.Tools.Health;

/// <summary>SQLite's checks, from its pragmas, its dbstat table (when compiled in) and the WAL file beside it.</summary>
internal static class SqliteDoctor
{
    private const long MiB = 1024 * 1024;

    public static async Task<IReadOnlyList<HealthFinding>> ExamineAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var findings = new List<HealthFinding>
        {
            await LibraryAsync(connection, cancellationToken),
            await QuickCheckAsync(connection, cancellationToken),
            await PagesAsync(connection, cancellationToken),
            Wal(database.Target.SqlitePath!),
            await PragmasAsync(connection, cancellationToken),
            await SizesAsync(connection, cancellationToken),
        };
        findings.AddRange(await IndexesAsync(connection, cancellationToken));
        return findings;
    }

    private static CommandDefinition Sql(string sql, CancellationToken cancellationToken) => new(sql, cancellationToken: cancellationToken, commandTimeout: 0);

    /// <summary>
    /// The SQLite library this process loaded: its version and the compile options Confab depends on. Versions before
    /// 3.51.3 can corrupt a WAL database when a checkpoint races a writer in another connection or process (the
    /// WAL-reset bug), which Confab's own checkpoints and the multi-process verbs can reach.
    /// </summary>
    private static async Task<HealthFinding> LibraryAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var version = await connection.ExecuteScalarAsync<string>(Sql("SELECT sqlite_version()", cancellationToken)) ?? "unknown";
        var options = (await connection.QueryAsync<string>(Sql("PRAGMA compile_options", cancellationToken))).ToList();
        var capabilities = new List<string>
        {
            $"FTS5 trigram tokenizer: {Yes(await TrigramWorksAsync(connection, cancellationToken))}",
            $"JSON functions: {Yes(await WorksAsync(connection, "SELECT json_valid('{}')", cancellationToken))}",
            $"dbstat (per-table sizes): {Yes(await WorksAsync(connection, "SELECT count(*) FROM dbstat LIMIT 1", cancellationToken))}",
            $"foreign keys on by default: {Yes(options.Any(o => o is "DEFAULT_FOREIGN_KEYS" or "DEFAULT_FOREIGN_KEYS=1"))} (confab sets foreign_keys on every connection, so the default never applies)",
        };
        var details = capabilities.Concat(["compile options: " + string.Join(' ', options)]).ToList();
        var summary = $"SQLite library {version}";
        if (!SqliteLibrary.HasWalResetFix(version))
        {
            return new HealthFinding("library", Severity.Warning, summary + ": older than 3.51.3, which fixes a WAL corruption bug")
            {
                Details = details,
                Fix = "run the confab build that bundles SQLite 3.51.3 or later",
            };
        }

        return capabilities[0].EndsWith("no", StringComparison.Ordinal) || capabilities[1].EndsWith("no", StringComparison.Ordinal)
            ? new HealthFinding("library", Severity.Critical, summary + " lacks FTS5 trigram or JSON, which Confab's schema needs") { Details = details }
            : new HealthFinding("library", Severity.Ok, summary) { Details = details };
    }

    private static string Yes(bool value) => value ? "yes" : "no";

    private static async Task<bool> TrigramWorksAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // A temporary table lives in the connection's temp schema, so the database file is untouched.
        if (!await WorksAsync(connection, "CREATE VIRTUAL TABLE temp.confab_doctor_trigram USING fts5(t, tokenize = 'trigram')", cancellationToken))
        {
            return false;
        }

        await connection.ExecuteAsync(Sql("DROP TABLE temp.confab_doctor_trigram", cancellationToken));
        return true;
    }

    private static async Task<bool> WorksAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ExecuteAsync(Sql(sql, cancellationToken));
            return true;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            return false;
        }
    }

    private static async Task<HealthFinding> QuickCheckAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var lines = (await connection.QueryAsync<string>(Sql("PRAGMA quick_check(20)", cancellationToken))).ToList();
        return lines is ["ok"]
            ? new HealthFinding("quick_check", Severity.Ok, "PRAGMA quick_check: ok")
            : new HealthFinding("quick_check", Severity.Critical, "PRAGMA quick_check found damage")
            {
                Details = lines,
                Fix = "stop the server, restore the newest good backup (confab db restore), or copy what is readable out with 'confab db port --on-bad-rows skip'",
            };
    }

    private static async Task<HealthFinding> PagesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var pageSize = await connection.ExecuteScalarAsync<long>(Sql("PRAGMA page_size", cancellationToken));
        var pages = await connection.ExecuteScalarAsync<long>(Sql("PRAGMA page_count", cancellationToken));
        var free = await connection.ExecuteScalarAsync<long>(Sql("PRAGMA freelist_count", cancellationToken));
        var summary = $"{pages:N0} pages of {pageSize} bytes ({ByteSize.Format(pages * pageSize)}), {free:N0} free ({ByteSize.Format(free * pageSize)})";
        return free * pageSize >= 64 * MiB && free >= pages / 4
            ? new HealthFinding("pages", Severity.Warning, summary + ": a quarter or more of the file is unused") { Fix = "confab db maintain --vacuum (rewrites the file; the server waits meanwhile)" }
            : new HealthFinding("pages", Severity.Ok, summary);
    }

    private static HealthFinding Wal(string path)
    {
        var wal = new FileInfo(path + "-wal");
        var bytes = wal.Exists ? wal.Length : 0;
        var summary = $"write-ahead log {ByteSize.Format(bytes)}";
        return bytes >= 256 * MiB
            ? new HealthFinding("wal", Severity.Warning, summary + ": checkpoints are not keeping up")
            {
                Details = ["a reader that stays open (a long export or backup, a stuck client) keeps checkpoints from resetting the log"],
                Fix = "confab db maintain (checkpoints and truncates the log once no reader holds it)",
            }
            : new HealthFinding("wal", Severity.Ok, summary);
    }

    private static async Task<HealthFinding> PragmasAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var journal = await connection.ExecuteScalarAsync<string>(Sql("PRAGMA journal_mode", cancellationToken));
        var synchronous = await connection.ExecuteScalarAsync<long>(Sql("PRAGMA synchronous", cancellationToken));
        var foreignKeys = await connection.ExecuteScalarAsync<long>(Sql("PRAGMA foreign_keys", cancellationToken));
        var autoVacuum = await connection.ExecuteScalarAsync<long>(Sql("PRAGMA auto_vacuum", cancellationToken));
        var details = new List<string>
        {
            $"journal_mode={journal}",
            $"synchronous={(synchronous switch { 0 => "OFF", 1 => "NORMAL", 2 => "FULL", _ => "EXTRA" })} (set by confab on every connection)",
            $"foreign_keys={(foreignKeys == 1 ? "ON" : "OFF")} (set by confab on every connection)",
            $"auto_vacuum={(autoVacuum switch { 0 => "NONE", 1 => "FULL", _ => "INCREMENTAL" })}",
        };
        return journal is "wal"
            ? new HealthFinding("pragmas", Severity.Ok, "journal mode WAL") { Details = details }
            : new HealthFinding("pragmas", Severity.Warning, $"journal mode is {journal}, not WAL: readers and the writer block each other")
            {
                Details = details,
                Fix = "start confab once (it switches the file to WAL) or run PRAGMA journal_mode=WAL",
            };
    }

    private static async Task<HealthFinding> SizesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await connection.QueryAsync<(string Name, long Bytes)>(Sql(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12", cancellationToken));
            return new HealthFinding("sizes", Severity.Info, "largest tables and indexes (dbstat):")
            {
                Details = rows.Select(r => $"{r.Name}: {ByteSize.Format(r.Bytes)}").ToList(),
            };
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            return new HealthFinding("sizes", Severity.Info, "this SQLite library has no dbstat table; sizes per table are unknown (confab db stats counts rows)");
        }
    }

    private static async Task<IEnumerable<HealthFinding>> IndexesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // The first column of every index (and of the primary key) per table, against each foreign key's columns.
        var indexes = (await connection.QueryAsync<(string Table, string Index, long Unique, long Partial, string Columns)>(Sql(
            """
            SELECT m.name, il.name, il."unique", il.partial,
                   (SELECT group_concat(ii.name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii)
            FROM sqlite_master m, pragma_index_list(m.name) il
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
            """, cancellationToken))).ToList();
        var primaryKeys = (await connection.QueryAsync<(string Table, string Column)>(Sql(
            "SELECT m.name, ti.name FROM sqlite_master m, pragma_table_info(m.name) ti WHERE m.type = 'table' AND ti.pk = 1", cancellationToken))).ToList();
        var foreignKeys = await connection.QueryAsync<(string Table, long Id, string Parent, string Column)>(Sql(
            """
            SELECT m.name, fk.id, fk."table", group_concat(fk."from", ',')
            FROM sqlite_master m, pragma_foreign_key_list(m.name) fk
            WHERE m.type = 'table' GROUP BY m.name, fk.id ORDER BY m.name, fk.id
            """, cancellationToken));
        var findings = new List<HealthFinding>();
        foreach (var fk in foreignKeys)
        {
            var covered = indexes.Any(i => i.Table == fk.Table && (i.Columns + ",").StartsWith(fk.Column + ",", StringComparison.Ordinal))
                || primaryKeys.Any(p => p.Table == fk.Table && p.Column == fk.Column.Split(',')[0]);
            if (!covered)
            {
                findings.Add(new HealthFinding("foreign_key_without_index", Severity.Warning, $"foreign key {fk.Table}({fk.Column}) → {fk.Parent} has no index")
                {
                    Details = [$"deleting a row of {fk.Parent} scans all of {fk.Table}"],
                    Fix = $"CREATE INDEX {fk.Table}_{fk.Column.Replace(',', '_')}_idx ON {fk.Table} ({fk.Column});",
                });
            }
        }

        foreach (var a in indexes.Where(i => i.Unique == 0 && i.Partial == 0))
        {
            var covering = indexes.FirstOrDefault(b => b.Table == a.Table && b.Index != a.Index && b.Partial == 0
                && (b.Columns + ",").StartsWith(a.Columns + ",", StringComparison.Ordinal)
                && (b.Columns.Length > a.Columns.Length || b.Unique == 1 || string.CompareOrdinal(a.Index, b.Index) > 0));
            if (covering.Index is not null)
            {
                findings.Add(new HealthFinding("duplicate_index", Severity.Warning, $"index {a.Index} on {a.Table} ({a.Columns}) is covered by {covering.Index} ({covering.Columns})")
                {
                    Fix = $"DROP INDEX {a.Index};",
                });
            }
        }

        return findings.Count > 0 ? findings : [new HealthFinding("indexes", Severity.Ok, "every foreign key has an index; no index is covered by another")];
    }
}
