using Confab.Storage.Engines;
using Confab.Storage.Schema;

namespace Confab.Tools.Backup;

/// <summary>Restores a backup into a scratch database beside <c>like</c> (a temporary file, or a new database on the same server) and compares it with the manifest.</summary>
public sealed class BackupVerifier(PostgresClientTools tools)
{
    /// <summary>What differs from the manifest; empty when the backup restores to exactly what it describes.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(string backup, DatabaseTarget like, CancellationToken cancellationToken)
    {
        BackupManifest manifest;
        string path;
        try
        {
            (manifest, path) = await DatabaseRestore.OpenCheckedAsync(backup, cancellationToken);
        }
        catch (Confab.Storage.StorageOperationException ex)
        {
            return [ex.Message];
        }

        await using var scratch = await ScratchDatabase.CreateAsync(like, cancellationToken);
        var target = scratch.Database.Target;
        await new DatabaseRestore(tools, TimeProvider.System).RestoreIntoAsync(manifest, path, target, jobs: 1, cleanFirst: false, cancellationToken);
        var problems = await DatabaseRestore.CompareAsync(manifest, target, cancellationToken);
        DatabaseRestore.ClearPools();
        return problems;
    }
}
