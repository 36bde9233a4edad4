using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.IntegrationTests;

/// <summary>The shipped migrations plus test-only ones, named as a later release would name them.</summary>
internal static class TestCatalogs
{
    public static MigrationCatalog With(DatabaseEngine engine, params (string Stem, string Up, string Down)[] extra)
    {
        var dialect = engine.Name();
        var files = MigrationCatalog.EmbeddedFiles().Where(f => f.Dialect == dialect).ToList();
        foreach (var (stem, up, down) in extra)
        {
            files.Add(new MigrationFile(dialect, $"{stem}.up.sql", up));
            files.Add(new MigrationFile(dialect, $"{stem}.down.sql", down));
        }

        return MigrationCatalog.FromFiles(engine, files);
    }

    public static long Shipped(DatabaseEngine engine) => MigrationCatalog.Embedded(engine).LatestVersion;

    /// <summary>A harmless next migration: a table of its own.</summary>
    public static (string, string, string) Next(DatabaseEngine engine, string table = "test_notes") =>
        ($"{Shipped(engine) + 1:D4}_add_{table}", $"CREATE TABLE {table} (id BIGINT NOT NULL PRIMARY KEY, note TEXT NOT NULL);", $"DROP TABLE {table};");
}
