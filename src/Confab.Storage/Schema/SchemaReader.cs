using Confab.Storage.Engines;

namespace Confab.Storage.Schema;

/// <summary>Reads a database's schema from its catalog (pg_catalog, or sqlite_master and the pragmas).</summary>
public static class SchemaReader
{
    public static async Task<SchemaModel> ReadAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return database.Engine switch
        {
            DatabaseEngine.Postgres => await PostgresSchemaReader.ReadAsync(connection, cancellationToken),
            DatabaseEngine.Sqlite => await SqliteSchemaReader.ReadAsync(connection, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(database)),
        };
    }

    internal static string NormaliseWhitespace(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
