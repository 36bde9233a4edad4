using NpgsqlTypes;

namespace Confab.Storage.Schema;

/// <summary>The PostgreSQL type Confab stores each logical type as, for typed parameters and binary COPY.</summary>
public static class PostgresTypes
{
    public static NpgsqlDbType For(LogicalType type) => type switch
    {
        LogicalType.Uuid => NpgsqlDbType.Uuid,
        LogicalType.Text => NpgsqlDbType.Text,
        LogicalType.Int16 => NpgsqlDbType.Smallint,
        LogicalType.Int32 => NpgsqlDbType.Integer,
        LogicalType.Int64 => NpgsqlDbType.Bigint,
        LogicalType.Double => NpgsqlDbType.Double,
        LogicalType.Decimal => NpgsqlDbType.Numeric,
        LogicalType.Boolean => NpgsqlDbType.Boolean,
        LogicalType.Timestamp => NpgsqlDbType.TimestampTz,
        LogicalType.Json => NpgsqlDbType.Jsonb,
        LogicalType.Bytes => NpgsqlDbType.Bytea,
        _ => throw new NotSupportedException($"no PostgreSQL type for {type}"),
    };
}
