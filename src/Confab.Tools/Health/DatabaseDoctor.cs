using System.Diagnostics;
using System.Text.RegularExpressions;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.Tools.Health;

/// <summary>
/// The health report of a Confab database, in the spirit of pghero: each check gives a severity, the evidence and a
/// suggested fix. PostgreSQL is read from its statistics views; SQLite from its pragmas and files.
/// </summary>
public static partial class DatabaseDoctor
{
    public static async Task<HealthReport> ExamineAsync(ConfabDatabase database, DoctorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        if (!await database.ExistsAsync(cancellationToken))
        {
            throw Storage.StorageErrors.Missing(database.Target);
        }

        var clock = Stopwatch.StartNew();
        var report = new HealthReport { Database = database.Target.Display, Engine = database.Engine.Name() };
        var catalog = MigrationCatalog.Embedded(database.Engine);
        report.Findings.Add(await MigrationsAsync(database, catalog, cancellationToken));
        var ownIndexes = OwnIndexes(catalog);
        if (database is PostgresDatabase postgres)
        {
            report.Findings.AddRange(await PostgresDoctor.ExamineAsync(postgres, options, ownIndexes, cancellationToken));
        }
        else
        {
            report.Findings.AddRange(await SqliteDoctor.ExamineAsync(database, cancellationToken));
        }

        report.Seconds = clock.Elapsed.TotalSeconds;
        return report;
    }

    private static async Task<HealthFinding> MigrationsAsync(ConfabDatabase database, MigrationCatalog catalog, CancellationToken cancellationToken)
    {
        var status = await new MigrationRunner(database, catalog).StatusAsync(cancellationToken);
        if (status.HasDrift || status.HasUnknown)
        {
            return new HealthFinding("migrations", Severity.Critical, status.HasDrift
                ? "an applied migration differs from this confab's copy (drift)"
                : "the database has migrations this confab does not know (a newer confab applied them)")
            {
                Details = status.Migrations.Where(m => m.State is MigrationState.Drift or MigrationState.Unknown).Select(m => $"{m.Version:D4} {m.Name}: {m.State}").ToList(),
                Fix = "run 'confab db status' for the details; use the confab that matches the database",
            };
        }

        return status.PendingCount > 0
            ? new HealthFinding("migrations", Severity.Warning, $"{status.PendingCount} migration(s) pending; the database is at version {status.CurrentVersion} of {status.LatestKnownVersion}") { Fix = "confab db migrate" }
            : new HealthFinding("migrations", Severity.Ok, $"current (version {status.CurrentVersion})");
    }

    /// <summary>The indexes Confab's migrations create: unused ones of these are reported as information, not as waste.</summary>
    private static HashSet<string> OwnIndexes(MigrationCatalog catalog)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var migration in catalog.Migrations)
        {
            foreach (Match match in CreateIndex().Matches(migration.UpSql))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    [GeneratedRegex(@"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?""?(\w+)""?", RegexOptions.IgnoreCase)]
    private static partial Regex CreateIndex();
}
