using Confab.Storage.Engines;
using Npgsql;

namespace Confab.Storage.Schema;

/// <summary>
/// A throwaway database of the same engine and server as another, removed on dispose: where verify-schema
/// builds the expected schema.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly DatabaseTarget? server;

    private ScratchDatabase(ConfabDatabase database, DatabaseTarget? server)
    {
        Database = database;
        this.server = server;
    }

    public ConfabDatabase Database { get; }

    public static async Task<ScratchDatabase> CreateAsync(DatabaseTarget like, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(like);
        var name = $"confab_scratch_{Guid.NewGuid():N}";
        if (like.Engine == DatabaseEngine.Sqlite)
        {
            var path = Path.Combine(Path.GetTempPath(), name + ".db");
            var target = DatabaseUrl.Parse($"sqlite:{path}");
            return new ScratchDatabase(ConfabDatabase.Open(target, create: true), null);
        }

        await PostgresDatabase.CreateDatabaseAsync(like, name, cancellationToken);
        return new ScratchDatabase(ConfabDatabase.Open(PostgresDatabase.WithDatabase(like, name)), like);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (server is null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(Database.Target.SqlitePath + suffix);
            }

            return;
        }

        NpgsqlConnection.ClearAllPools();
        await PostgresDatabase.DropDatabaseAsync(server, Database.Target.DatabaseName!, CancellationToken.None);
    }
}
