using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Confab.Storage.Engines;

namespace Confab.Storage.Migrations;

/// <summary>
/// The migrations of one dialect, in version order. The shipped ones are embedded in this assembly as
/// <c>Migrations/{dialect}/NNNN_name.{up|down}.sql</c>; tests may add their own.
/// </summary>
public sealed partial class MigrationCatalog
{
    private MigrationCatalog(DatabaseEngine engine, IReadOnlyList<Migration> migrations)
    {
        Engine = engine;
        Migrations = migrations;
    }

    public DatabaseEngine Engine { get; }

    public IReadOnlyList<Migration> Migrations { get; }

    public long LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;

    public Migration? Find(long version) => Migrations.FirstOrDefault(m => m.Version == version);

    /// <summary>The migrations shipped with this build, for one engine.</summary>
    public static MigrationCatalog Embedded(DatabaseEngine engine) =>
        FromFiles(engine, EmbeddedFiles().Where(f => f.Dialect == engine.Name()));

    /// <summary>Every shipped migration file of every dialect, as (dialect, file name, text).</summary>
    public static IReadOnlyList<MigrationFile> EmbeddedFiles()
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var files = new List<MigrationFile>();
        foreach (var resource in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            var parts = resource.Split('/');
            if (parts is ["Migrations", var dialect, var file])
            {
                files.Add(new MigrationFile(dialect, file, ReadResource(assembly, resource)));
            }
        }

        return files;
    }

    /// <summary>The migrations in a folder laid out as the embedded ones (<c>DIR/{dialect}/*.sql</c>).</summary>
    public static IReadOnlyList<MigrationFile> FilesInDirectory(string directory) =>
        Directory.EnumerateDirectories(directory)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.sql").Select(f => new MigrationFile(
                Path.GetFileName(d), Path.GetFileName(f), File.ReadAllText(f))))
            .OrderBy(f => f.Dialect, StringComparer.Ordinal)
            .ThenBy(f => f.FileName, StringComparer.Ordinal)
            .ToList();

    /// <summary>Builds a catalog; a file name out of pattern, or an up without its down, is an error.</summary>
    public static MigrationCatalog FromFiles(DatabaseEngine engine, IEnumerable<MigrationFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var ups = new Dictionary<long, (string Name, MigrationFile File)>();
        var downs = new Dictionary<long, MigrationFile>();
        foreach (var file in files)
        {
            var parsed = ParseName(file.FileName)
                ?? throw new StorageOperationException($"migration file {file.Dialect}/{file.FileName} does not match NNNN_name.up.sql or NNNN_name.down.sql");
            if (parsed.Direction == "up")
            {
                if (!ups.TryAdd(parsed.Version, (parsed.Name, file)))
                {
                    throw new StorageOperationException($"two {file.Dialect} migrations are numbered {parsed.Version}");
                }
            }
            else if (!downs.TryAdd(parsed.Version, file))
            {
                throw new StorageOperationException($"two {file.Dialect} down migrations are numbered {parsed.Version}");
            }
        }

        var migrations = new List<Migration>();
        foreach (var (version, (name, up)) in ups.OrderBy(p => p.Key))
        {
            if (!downs.Remove(version, out var down))
            {
                throw new StorageOperationException($"migration {up.Dialect}/{up.FileName} has no down file");
            }

            migrations.Add(new Migration(version, name, $"{up.Dialect}/{up.FileName}", up.Text, $"{down.Dialect}/{down.FileName}", down.Text));
        }

        if (downs.Count > 0)
        {
            var orphan = downs.First().Value;
            throw new StorageOperationException($"down migration {orphan.Dialect}/{orphan.FileName} has no up file");
        }

        return new MigrationCatalog(engine, migrations);
    }

    /// <summary>
    /// Problems of a whole migration set across dialects: a version in one dialect only, names that differ,
    /// duplicate numbers, gaps in the numbering, files out of pattern or without their pair.
    /// </summary>
    public static IReadOnlyList<string> CheckSet(IReadOnlyList<MigrationFile> files, IReadOnlyCollection<string> dialects)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(dialects);
        var problems = new List<string>();
        var byDialect = new Dictionary<string, MigrationCatalog>(StringComparer.Ordinal);
        foreach (var dialect in dialects)
        {
            try
            {
                var engine = dialect == "postgres" ? DatabaseEngine.Postgres : DatabaseEngine.Sqlite;
                byDialect[dialect] = FromFiles(engine, files.Where(f => f.Dialect == dialect));
            }
            catch (StorageOperationException ex)
            {
                problems.Add(ex.Message);
            }
        }

        foreach (var (dialect, catalog) in byDialect)
        {
            for (var i = 0; i < catalog.Migrations.Count; i++)
            {
                if (catalog.Migrations[i].Version != i + 1)
                {
                    problems.Add($"{dialect}: migration numbers have a gap before {catalog.Migrations[i].Id} (expected {i + 1})");
                    break;
                }
            }

            foreach (var (other, otherCatalog) in byDialect.Where(p => string.CompareOrdinal(p.Key, dialect) > 0))
            {
                var mine = catalog.Migrations.ToDictionary(m => m.Version, m => m.Name);
                var theirs = otherCatalog.Migrations.ToDictionary(m => m.Version, m => m.Name);
                foreach (var version in mine.Keys.Union(theirs.Keys).Order())
                {
                    if (!mine.TryGetValue(version, out var a))
                    {
                        problems.Add($"migration {version} ({theirs[version]}) exists for {other} but not for {dialect}");
                    }
                    else if (!theirs.TryGetValue(version, out var b))
                    {
                        problems.Add($"migration {version} ({a}) exists for {dialect} but not for {other}");
                    }
                    else if (a != b)
                    {
                        problems.Add($"migration {version} is named {a} for {dialect} but {b} for {other}");
                    }
                }
            }
        }

        return problems;
    }

    public static (long Version, string Name, string Direction)? ParseName(string fileName)
    {
        var match = FileNamePattern().Match(fileName);
        return match.Success
            ? (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, match.Groups[3].Value)
            : null;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(\d{4,})_([a-z0-9_]+)\.(up|down)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}

/// <summary>A migration file as read: its dialect folder, its name and its text.</summary>
public sealed record MigrationFile(string Dialect, string FileName, string Text);
