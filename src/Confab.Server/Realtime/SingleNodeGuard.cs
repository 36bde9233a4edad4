using Confab.Storage;
using Confab.Storage.Engines;

namespace Confab.Server.Realtime;

/// <summary>
/// SQLite serves one node: a second <c>confab serve</c> on the same file would deliver only its own sockets'
/// changes. An exclusive lock on a file beside the database (released by the OS even after kill -9) refuses it.
/// </summary>
public sealed class SingleNodeGuard : IDisposable
{
    private FileStream? lockFile;

    public void Acquire(DatabaseTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Engine != DatabaseEngine.Sqlite || target.IsInMemory || lockFile is not null)
        {
            return;
        }

        var path = Path.GetFullPath(target.SqlitePath ?? throw new ArgumentException("no SQLite path", nameof(target))) + ".serve-lock";
        try
        {
            lockFile = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex)
        {
            throw new StorageOperationException(
                $"{target.Display} is already served by another confab process (it holds {path}). SQLite serves a single node; "
                + "to run several nodes, move to PostgreSQL (confab db port, docs/operations.md).", ex);
        }
    }

    public void Dispose()
    {
        lockFile?.Dispose();
        lockFile = null;
    }
}
