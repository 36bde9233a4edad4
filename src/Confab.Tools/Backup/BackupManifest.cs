using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confab.Storage;
using Confab.Tools.Verification;

namespace Confab.Tools.Backup;

/// <summary>How a backup is stored.</summary>
public enum BackupLayout
{
    /// <summary>A consistent copy of the SQLite file, made with SQLite's online backup API.</summary>
    SqliteFile,

    /// <summary>pg_dump's custom format: one compressed file.</summary>
    PostgresCustom,

    /// <summary>pg_dump's directory format, written by parallel jobs: a folder of compressed files.</summary>
    PostgresDirectory,
}

/// <summary>One file of a backup with its size and SHA-256, so a truncated or altered file is found before it is restored.</summary>
public sealed record BackupFile(string Name, long Bytes, string Sha256);

/// <summary>
/// What a backup holds, written beside it as <c>NAME.manifest.json</c> once the backup is complete: the engine and
/// layout, its files with sizes and hashes, the schema version, and every table's row count and content checksum
/// (computed as verify computes them, in the same snapshot the backup was taken from).
/// </summary>
public sealed class BackupManifest
{
    public const string Suffix = ".manifest.json";
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public int Format { get; init; } = CurrentFormat;

    /// <summary>"backup", or "safety" for the copy restore keeps of a database it replaces (retention leaves those alone).</summary>
    public string Kind { get; init; } = "backup";

    public required string Engine { get; init; }

    public required BackupLayout Layout { get; init; }

    /// <summary>The backup's file or folder name, beside the manifest.</summary>
    public required string Name { get; init; }

    public required IReadOnlyList<BackupFile> Files { get; init; }

    public long Bytes => Files.Sum(f => f.Bytes);

    public required DateTime CreatedAt { get; init; }

    public double Seconds { get; set; }

    public required string ConfabVersion { get; init; }

    /// <summary>The database it came from, without its password.</summary>
    public required string Source { get; init; }

    /// <summary>The server version (PostgreSQL) or library version (SQLite).</summary>
    public required string EngineVersion { get; init; }

    /// <summary>The program that wrote it: "sqlite3_backup" or "pg_dump 15.4".</summary>
    public required string Tool { get; init; }

    public required long SchemaVersion { get; init; }

    /// <summary>The copy's own integrity check ("ok" or what it found); PostgreSQL dumps are checked by <c>--verify</c>.</summary>
    public string? Integrity { get; set; }

    public required IReadOnlyList<TableFingerprint> Tables { get; init; }

    public long TotalRows => Tables.Sum(t => t.Rows);

    public static string PathFor(string backupPath) => backupPath.TrimEnd(Path.DirectorySeparatorChar) + Suffix;

    public async Task WriteAsync(string manifestPath, CancellationToken cancellationToken)
    {
        // Written whole to a temporary name, then renamed: a manifest exists only for a finished backup.
        var partial = manifestPath + ".partial";
        await File.WriteAllTextAsync(partial, JsonSerializer.Serialize(this, Json), cancellationToken);
        File.Move(partial, manifestPath, overwrite: true);
    }

    /// <summary>Reads a manifest given the backup's path or the manifest's own.</summary>
    public static async Task<(BackupManifest Manifest, string BackupPath)> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var manifestPath = path.EndsWith(Suffix, StringComparison.Ordinal) ? path : PathFor(path);
        if (!File.Exists(manifestPath))
        {
            throw new StorageArgumentException(File.Exists(path) || Directory.Exists(path)
                ? $"{path} has no manifest ({Path.GetFileName(manifestPath)} is missing): it is not a finished Confab backup"
                : $"no backup at {path}");
        }

        BackupManifest? manifest;
        try
        {
            // The format first: a newer confab's manifest may have members this one cannot bind, and is not damaged.
            var text = await File.ReadAllTextAsync(manifestPath, cancellationToken);
            using (var document = JsonDocument.Parse(text))
            {
                var format = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("format", out var f) && f.TryGetInt32(out var n) ? n : (int?)null;
                if (format != CurrentFormat)
                {
                    throw new StorageOperationException($"the manifest {manifestPath} is of a format this confab does not read ({format?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; this confab reads {CurrentFormat})");
                }
            }

            manifest = JsonSerializer.Deserialize<BackupManifest>(text, Json);
        }
        catch (JsonException ex)
        {
            throw new StorageOperationException($"the manifest {manifestPath} is damaged: {ex.Message}", ex);
        }

        if (manifest is null)
        {
            throw new StorageOperationException($"the manifest {manifestPath} is damaged: it is empty");
        }

        return (manifest, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, manifest.Name));
    }

    /// <summary>The files of a backup at <paramref name="backupPath"/> (a file, or a folder's files in name order) with sizes and hashes.</summary>
    public static async Task<IReadOnlyList<BackupFile>> DescribeFilesAsync(string backupPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backupPath);
        var paths = Directory.Exists(backupPath)
            ? Directory.GetFiles(backupPath).Order(StringComparer.Ordinal).ToArray()
            : [backupPath];
        var files = new List<BackupFile>();
        foreach (var path in paths)
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            var hash = await SHA256.HashDataAsync(stream, cancellationToken);
            files.Add(new BackupFile(Directory.Exists(backupPath) ? Path.GetFileName(path) : Path.GetFileName(backupPath), stream.Length, Convert.ToHexStringLower(hash)));
        }

        return files;
    }

    /// <summary>Checks the backup's files against the manifest: each present, of its size, with its hash. Returns what is wrong.</summary>
    public async Task<IReadOnlyList<string>> CheckFilesAsync(string backupPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(backupPath) && !Directory.Exists(backupPath))
        {
            return [$"{backupPath} is missing"];
        }

        var actual = (await DescribeFilesAsync(backupPath, cancellationToken)).ToDictionary(f => f.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var expected in Files)
        {
            if (!actual.Remove(expected.Name, out var found))
            {
                problems.Add($"{expected.Name} is missing");
            }
            else if (found.Bytes != expected.Bytes)
            {
                problems.Add($"{expected.Name} is {found.Bytes:N0} bytes, the manifest says {expected.Bytes:N0} ({(found.Bytes < expected.Bytes ? "truncated" : "grown")})");
            }
            else if (found.Sha256 != expected.Sha256)
            {
                problems.Add($"{expected.Name} has changed since the backup was taken (SHA-256 {found.Sha256[..12]}…, the manifest says {expected.Sha256[..12]}…)");
            }
        }

        problems.AddRange(actual.Keys.Select(name => $"{name} is not in the manifest"));
        return problems;
    }

    /// <summary>Compares a database's fingerprint with the manifest's. Returns the differences, table by table.</summary>
    public IReadOnlyList<string> CompareContent(IReadOnlyList<TableFingerprint> actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var found = actual.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var table in Tables)
        {
            if (!found.Remove(table.Name, out var other))
            {
                problems.Add($"table {table.Name} is missing");
            }
            else if (other.Rows != table.Rows)
            {
                problems.Add($"table {table.Name} has {other.Rows:N0} rows, the manifest says {table.Rows:N0}");
            }
            else if (other.Checksum != table.Checksum)
            {
                problems.Add($"table {table.Name} has {other.Rows:N0} rows as expected but different content (checksum {other.Checksum[..12]}…, the manifest says {table.Checksum[..12]}…)");
            }
        }

        problems.AddRange(found.Keys.Order(StringComparer.Ordinal).Select(name => $"table {name} is not in the manifest"));
        return problems;
    }

    public static string ConfabVersionText() =>
        typeof(BackupManifest).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
}
