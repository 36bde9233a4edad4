using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.Tests;

public class MigrationCatalogTests
{
    private static readonly string[] Dialects = ["postgres", "sqlite"];

    [Fact]
    public void Shipped_migrations_exist_for_both_dialects_with_matching_names_and_no_gaps()
    {
        var files = MigrationCatalog.EmbeddedFiles();
        Assert.NotEmpty(files);
        Assert.Empty(MigrationCatalog.CheckSet(files, Dialects));
        Assert.Equal(
            MigrationCatalog.Embedded(DatabaseEngine.Postgres).Migrations.Select(m => m.Id),
            MigrationCatalog.Embedded(DatabaseEngine.Sqlite).Migrations.Select(m => m.Id));
    }

    [Fact]
    public void A_migration_for_one_dialect_only_is_reported()
    {
        var files = Pair("postgres", 1, "a").Concat(Pair("sqlite", 1, "a")).Concat(Pair("postgres", 2, "b")).ToList();
        var problems = MigrationCatalog.CheckSet(files, Dialects);
        Assert.Contains(problems, p => p.Contains("exists for postgres but not for sqlite", StringComparison.Ordinal));
    }

    [Fact]
    public void A_gap_in_the_numbering_is_reported()
    {
        var files = Both(1, "a").Concat(Both(3, "c")).ToList();
        Assert.Contains(MigrationCatalog.CheckSet(files, Dialects), p => p.Contains("gap", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_numbers_are_reported()
    {
        var files = Both(1, "a").Concat(Both(1, "again")).ToList();
        Assert.Contains(MigrationCatalog.CheckSet(files, Dialects), p => p.Contains("numbered 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Names_that_differ_between_dialects_are_reported()
    {
        var files = Pair("postgres", 1, "a").Concat(Pair("sqlite", 1, "b")).ToList();
        Assert.Contains(MigrationCatalog.CheckSet(files, Dialects), p => p.Contains("named a for postgres but b for sqlite", StringComparison.Ordinal));
    }

    [Fact]
    public void An_up_without_its_down_is_rejected()
    {
        var files = new[] { new MigrationFile("sqlite", "0001_a.up.sql", "SELECT 1;") };
        var error = Assert.Throws<StorageOperationException>(() => MigrationCatalog.FromFiles(DatabaseEngine.Sqlite, files));
        Assert.Contains("has no down file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_name_out_of_pattern_is_rejected()
    {
        var files = new[] { new MigrationFile("sqlite", "1-initial.sql", "SELECT 1;") };
        Assert.Throws<StorageOperationException>(() => MigrationCatalog.FromFiles(DatabaseEngine.Sqlite, files));
    }

    [Fact]
    public void Checksums_ignore_line_endings_and_a_byte_order_mark_but_not_content()
    {
        var unix = Migration.ComputeChecksum("CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n");
        Assert.Equal(unix, Migration.ComputeChecksum("CREATE TABLE a (x int);\r\nCREATE TABLE b (y int);\r\n"));
        Assert.Equal(unix, Migration.ComputeChecksum("\uFEFFCREATE TABLE a (x int);\nCREATE TABLE b (y int);\n"));
        Assert.NotEqual(unix, Migration.ComputeChecksum("CREATE TABLE a (x bigint);\nCREATE TABLE b (y int);\n"));
    }

    [Fact]
    public void The_no_transaction_marker_is_read_from_the_header_only()
    {
        var marked = new Migration(2, "idx", "u", "-- confab:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);", "d", "DROP INDEX i;");
        var notHeader = marked with { UpSql = "CREATE INDEX i ON t (x);\n-- confab:no-transaction\n" };
        Assert.False(marked.UpInTransaction);
        Assert.True(marked.DownInTransaction);
        Assert.True(notHeader.UpInTransaction);
    }

    private static IEnumerable<MigrationFile> Both(int version, string name) => Pair("postgres", version, name).Concat(Pair("sqlite", version, name));

    private static IEnumerable<MigrationFile> Pair(string dialect, int version, string name) =>
    [
        new(dialect, $"{version:D4}_{name}.up.sql", "SELECT 1;"),
        new(dialect, $"{version:D4}_{name}.down.sql", "SELECT 1;"),
    ];
}
