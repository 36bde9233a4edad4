namespace Confab.Tools.Backup;

/// <summary>
/// Prunes old backups in one folder by count and by age. Only finished backups (those with a manifest, of kind
/// "backup") are considered; safety copies taken by restore and files confab did not write are left alone. The newest
/// good backup — its files present at the sizes its manifest gives — is never removed, whatever the settings say.
/// </summary>
public static class BackupRetention
{
    /// <returns>The names of the backups removed.</returns>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string folder, int? keep, int? keepDays, DateTime now, CancellationToken cancellationToken)
    {
        var backups = new List<(BackupManifest Manifest, string Path, bool Good)>();
        foreach (var manifestPath in Directory.GetFiles(folder, "*" + BackupManifest.Suffix))
        {
            try
            {
                var (manifest, path) = await BackupManifest.ReadAsync(manifestPath, cancellationToken);
                if (manifest.Kind == "backup")
                {
                    backups.Add((manifest, path, IsGood(manifest, path)));
                }
            }
            catch (Confab.Storage.ConfabStorageException)
            {
                // A manifest this confab cannot read is not one of its backups to prune.
            }
        }

        var ordered = backups.OrderByDescending(b => b.Manifest.CreatedAt).ThenByDescending(b => b.Manifest.Name, StringComparer.Ordinal).ToList();
        var newestGood = ordered.FindIndex(b => b.Good);
        var removed = new List<string>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var tooMany = keep is { } n && i >= n;
            var tooOld = keepDays is { } days && ordered[i].Manifest.CreatedAt < now.AddDays(-days);
            if (i == newestGood || !(tooMany || tooOld))
            {
                continue;
            }

            DatabaseBackup.Remove(ordered[i].Path);
            File.Delete(BackupManifest.PathFor(ordered[i].Path));
            removed.Add(ordered[i].Manifest.Name);
        }

        return removed;
    }

    /// <summary>Present at the sizes the manifest gives (hashing every old backup at each run would cost too much).</summary>
    private static bool IsGood(BackupManifest manifest, string path)
    {
        if (manifest.Layout == BackupLayout.PostgresDirectory)
        {
            return Directory.Exists(path) && manifest.Files.All(f => new FileInfo(Path.Combine(path, f.Name)) is { Exists: true } info && info.Length == f.Bytes);
        }

        return manifest.Files.Count == 1 && new FileInfo(path) is { Exists: true } file && file.Length == manifest.Files[0].Bytes;
    }
}
