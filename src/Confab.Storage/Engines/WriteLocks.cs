using System.Data.Common;
using Dapper;
using Npgsql;

namespace Confab.Storage.Engines;

/// <summary>
/// A lock held until the end of the current write transaction, for the rare check that a unique index cannot
/// express (such as "the first user"). PostgreSQL takes a transaction-level advisory lock; SQLite needs none,
/// because its write transactions already run one at a time.
/// </summary>
public static class WriteLocks
{
    public static async Task TakeAsync(DbConnection connection, DbTransaction transaction, long key, CancellationToken cancellationToken)
    {
        if (connection is NpgsqlConnection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@key)", new { key }, transaction, cancellationToken: cancellationToken));
        }
    }
}
