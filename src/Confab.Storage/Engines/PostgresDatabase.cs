using System.Data;
using System.Data.Common;
using Npgsql;

namespace Confab.Storage.Engines;

/// <summary>A PostgreSQL database behind one <see cref="NpgsqlDataSource"/> for the process.</summary>
public sealed class PostgresDatabase : ConfabDatabase
{
    private readonly NpgsqlDataSource dataSource;

    public PostgresDatabase(DatabaseTarget target)
        : base(target)
    {
        dataSource = NpgsqlDataSource.Create(target.ConnectionString);
    }

    public NpgsqlDataSource DataSource => dataSource;

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (StorageErrors.IsConnectFailure(ex))
        {
            throw StorageErrors.Unavailable(ex, Target);
        }
    }

    /// <summary>A connection outside the pool, for session state that must not leak to other users (advisory locks, LISTEN).</summary>
    public async Task<NpgsqlConnection> OpenDedicatedConnectionAsync(CancellationToken cancellationToken, string? applicationName = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(Target.ConnectionString) { Pooling = false };
        if (applicationName is not null)
        {
            builder.ApplicationName = applicationName;
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (StorageErrors.IsConnectFailure(ex))
        {
            await connection.DisposeAsync();
            throw StorageErrors.Unavailable(ex, Target);
        }
    }

    public override async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return false;
        }
        catch (Exception ex) when (StorageErrors.IsConnectFailure(ex))
        {
            throw StorageErrors.Unavailable(ex, Target);
        }
    }

    public override async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (await ExistsAsync(cancellationToken))
        {
            return;
        }

        await CreateDatabaseAsync(Target, Target.DatabaseName!, cancellationToken);
    }

    /// <summary>Creates a database on the server of <paramref name="server"/>, through its maintenance database.</summary>
    public static async Task CreateDatabaseAsync(DatabaseTarget server, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = connection.CreateCommand();
            create.CommandText = $"CREATE DATABASE {QuoteIdentifier(name)} ENCODING 'UTF8' TEMPLATE template0";
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another runner created it between our check and our CREATE: that is what we wanted.
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new DatabaseUnavailableException(
                $"database {name} does not exist and role {builder.Username} may not create it; create it or grant CREATEDB", ex);
        }
        catch (Exception ex) when (StorageErrors.IsConnectFailure(ex))
        {
            throw StorageErrors.Unavailable(ex, server);
        }
    }

    /// <summary>Drops a database on the server of <paramref name="server"/>, ending its sessions first.</summary>
    public static async Task DropDatabaseAsync(DatabaseTarget server, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var drop = connection.CreateCommand();
        drop.CommandText = $"DROP DATABASE IF EXISTS {QuoteIdentifier(name)} WITH (FORCE)";
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The same server and credentials, another database.</summary>
    public static DatabaseTarget WithDatabase(DatabaseTarget server, string name)
    {
        ArgumentNullException.ThrowIfNull(server);
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name };
        return new DatabaseTarget(DatabaseEngine.Postgres, builder.ConnectionString, DatabaseUrl.Redact(builder)) { DatabaseName = name };
    }

    public override async Task<T> WriteAsync<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await RunInTransactionAsync(connection, IsolationLevel.ReadCommitted, work, cancellationToken);
    }

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();

    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
