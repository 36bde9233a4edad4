using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.Storage.Schema;

/// <summary>
/// Builds the schema the journal says a database should have — the same migrations, on a scratch database of
/// the same engine — and lists every way the live schema differs from it.
/// </summary>
public static class SchemaVerifier
{
    public static async Task<IReadOnlyList<string>> VerifyAsync(ConfabDatabase live, MigrationCatalog? catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(live);
        var status = await new MigrationRunner(live, catalog).StatusAsync(cancellationToken);
        var differences = new List<string>();
        differences.AddRange(status.Migrations.Where(m => m.State is MigrationState.Drift or MigrationState.Unknown)
            .Select(m => $"migration {m.Version:D4}_{m.Name}: {(m.State == MigrationState.Drift ? "file changed after it was applied" : "applied, but this confab has no file for it")}"));
        var applied = status.Migrations.Where(m => m.State is MigrationState.Applied or MigrationState.Drift).Select(m => m.Version).ToHashSet();

        await using var scratch = await ScratchDatabase.CreateAsync(live.Target, cancellationToken);
        await new MigrationRunner(scratch.Database, catalog).MigrateAsync(
            new MigrateOptions { OnlyVersions = applied, AllowOutOfOrder = true }, cancellationToken);
        var expected = await SchemaReader.ReadAsync(scratch.Database, cancellationToken);
        var actual = await SchemaReader.ReadAsync(live, cancellationToken);
        differences.AddRange(SchemaComparer.Compare(expected, actual, SchemaComparison.Exact));
        return differences;
    }
}
