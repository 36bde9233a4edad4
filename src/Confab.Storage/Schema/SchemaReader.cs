using Confab.Storage.Engines;

namespace Confab.Storage.Schema;

/// <summary>Reads a database's schema from its catalog (pg_catalog, or sqlite_master and the pragmas).</summary>
public static class SchemaReader
{
    /// <summary>
    /// Tables named with this prefix are a port's own bookkeeping on its target (checkpoints, deferred index
    /// builds), created on demand and never part of the schema the migrations define: schema checks, the port
    /// itself and verify leave them out.
    /// </summary>
    public const string PortBookkeepingPrefix = "confab_port_";

    public static async Task<SchemaModel> ReadAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, cancellationToken);
    }

    public static async Task<SchemaModel> ReadAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var model = connection is Npgsql.NpgsqlConnection
            ? await PostgresSchemaReader.ReadAsync(connection, cancellationToken)
            : await SqliteSchemaReader.ReadAsync(connection, cancellationToken);
        return model with { Tables = model.Tables.Where(t => !IsPortBookkeeping(t.Name)).ToList() };
    }

    public static bool IsPortBookkeeping(string table) => table.StartsWith(PortBookkeepingPrefix, StringComparison.Ordinal);

    internal static string NormaliseWhitespace(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
