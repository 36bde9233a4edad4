using Confab.Storage.Schema;
using Npgsql;
using NpgsqlTypes;

namespace Confab.Storage.Bulk;

internal sealed class PostgresCopyWriter : BulkTableWriter
{
    private readonly NpgsqlBinaryImporter importer;
    private readonly NpgsqlDbType[] dbTypes;

    private PostgresCopyWriter(NpgsqlBinaryImporter importer, TableSchema table, IReadOnlyList<string> columns)
        : base(table, columns)
    {
        this.importer = importer;
        dbTypes = Types.Select(PostgresTypes.For).ToArray();
    }

    public static async Task<BulkTableWriter> BeginAsync(
        NpgsqlConnection connection, TableSchema table, IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var importer = await connection.BeginBinaryImportAsync(
            $"COPY \"{table.Name}\" ({ColumnList(columns)}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        return new PostgresCopyWriter(importer, table, columns);
    }

    public override async ValueTask WriteAsync(object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        await importer.StartRowAsync(cancellationToken);
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value is null)
            {
                await importer.WriteNullAsync(cancellationToken);
                continue;
            }

            await importer.WriteAsync(Normalise(value), dbTypes[i], cancellationToken);
        }

        RowsWritten++;
    }

    public override async Task<long> CompleteAsync(CancellationToken cancellationToken)
    {
        await importer.CompleteAsync(cancellationToken);
        return RowsWritten;
    }

    public override ValueTask DisposeAsync() => importer.DisposeAsync();

    private static object Normalise(object value) => value switch
    {
        Engines.JsonText json => json.Text,
        DateTime { Kind: not DateTimeKind.Utc } dt => DateTime.SpecifyKind(dt.ToUniversalTime(), DateTimeKind.Utc),
        DateTimeOffset dto => dto.UtcDateTime,
        _ => value,
    };
}
