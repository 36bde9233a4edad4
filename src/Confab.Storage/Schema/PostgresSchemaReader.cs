using System.Data.Common;
using Dapper;

namespace Confab.Storage.Schema;

internal static class PostgresSchemaReader
{
    public static async Task<SchemaModel> ReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var columns = (await connection.QueryAsync<ColumnRow>(Command(
            """
            SELECT c.relname AS TableName, a.attname::text AS Name, format_type(a.atttypid, a.atttypmod) AS StoreType,
                   t.typname::text AS TypeName, NOT a.attnotnull AS Nullable, pg_get_expr(d.adbin, d.adrelid) AS DefaultExpr,
                   a.attidentity <> '' AS Identity
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum
            """, cancellationToken))).ToList();

        var constraints = (await connection.QueryAsync<ConstraintRow>(Command(
            """
            SELECT cl.relname::text AS TableName, con.conname::text AS Name, con.contype::text AS Kind,
                   pg_get_constraintdef(con.oid) AS Definition, con.confdeltype::text AS OnDelete, ref.relname::text AS RefTable,
                   array_to_string(ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), ',') AS Columns,
                   array_to_string(ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i), ',') AS RefColumns
            FROM pg_constraint con
            JOIN pg_class cl ON cl.oid = con.conrelid
            LEFT JOIN pg_class ref ON ref.oid = con.confrelid
            WHERE cl.relnamespace = current_schema()::regnamespace AND con.contype IN ('p', 'f', 'c', 'u', 'x')
            ORDER BY cl.relname, con.conname
            """, cancellationToken))).ToList();

        var indexes = (await connection.QueryAsync<(string TableName, string Name, bool Unique, string Definition)>(Command(
            """
            SELECT t.relname::text, i.relname::text, ix.indisunique, pg_get_indexdef(ix.indexrelid)
            FROM pg_index ix
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_class t ON t.oid = ix.indrelid
            WHERE t.relnamespace = current_schema()::regnamespace AND NOT ix.indisprimary
            ORDER BY t.relname, i.relname
            """, cancellationToken))).ToList();

        var triggers = (await connection.QueryAsync<(string TableName, string Name, string Definition)>(Command(
            """
            SELECT c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
            ORDER BY c.relname, t.tgname
            """, cancellationToken))).ToList();

        var views = (await connection.QueryAsync<(string Name, string Definition, string Columns)>(Command(
            """
            SELECT c.relname::text, pg_get_viewdef(c.oid, true),
                   array_to_string(ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum), ',')
            FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')
            ORDER BY c.relname
            """, cancellationToken))).ToList();

        // Functions that belong to an extension (pg_trgm's) are the extension's, not the schema's.
        var routines = (await connection.QueryAsync<(string Name, string Definition)>(Command(
            """
            SELECT p.proname::text, pg_get_functiondef(p.oid)
            FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            ORDER BY p.proname
            """, cancellationToken))).ToList();

        var extensions = (await connection.QueryAsync<string>(Command(
            "SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname", cancellationToken))).ToList();

        var tables = columns.GroupBy(c => c.TableName).Select(group =>
        {
            var mine = constraints.Where(c => c.TableName == group.Key).ToList();
            return new TableSchema(
                group.Key,
                TableKind.Regular,
                group.Select(c => new ColumnSchema(c.Name, c.StoreType, Logical(c.TypeName), c.Nullable, c.DefaultExpr, c.Identity)).ToList(),
                Split(mine.FirstOrDefault(c => c.Kind == "p")?.Columns),
                indexes.Where(i => i.TableName == group.Key).Select(i => new IndexSchema(i.Name, i.Unique, i.Definition)).ToList(),
                mine.Where(c => c.Kind == "f").Select(c => new ForeignKeySchema(Split(c.Columns), c.RefTable!, Split(c.RefColumns), OnDelete(c.OnDelete))).ToList(),
                mine.Where(c => c.Kind is "c" or "u" or "x").Select(c => new CheckSchema(c.Name, c.Definition)).ToList(),
                triggers.Where(t => t.TableName == group.Key).Select(t => new TriggerSchema(t.Name, t.Definition)).ToList());
        }).ToList();

        return new SchemaModel(
            tables,
            views.Select(v => new ViewSchema(v.Name, Split(v.Columns), v.Definition)).ToList(),
            routines.Select(r => new RoutineSchema(r.Name, r.Definition)).ToList(),
            extensions);
    }

    // Identifiers in this schema never hold commas, so a joined list splits back exactly.
    private static List<string> Split(string? joined) =>
        string.IsNullOrEmpty(joined) ? [] : joined.Split(',').ToList();

    private static CommandDefinition Command(string sql, CancellationToken cancellationToken) => new(sql, cancellationToken: cancellationToken);

    private static LogicalType Logical(string typeName) => typeName switch
    {
        "uuid" => LogicalType.Uuid,
        "text" or "varchar" or "bpchar" or "citext" or "name" => LogicalType.Text,
        "int2" => LogicalType.Int16,
        "int4" => LogicalType.Int32,
        "int8" => LogicalType.Int64,
        "float8" or "float4" => LogicalType.Double,
        "numeric" => LogicalType.Decimal,
        "bool" => LogicalType.Boolean,
        "timestamptz" => LogicalType.Timestamp,
        "jsonb" or "json" => LogicalType.Json,
        "bytea" => LogicalType.Bytes,
        _ => LogicalType.Unknown,
    };

    private static string OnDelete(string? code) => code switch
    {
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        "r" => "RESTRICT",
        _ => "NO ACTION",
    };

    private sealed record ColumnRow(string TableName, string Name, string StoreType, string TypeName, bool Nullable, string? DefaultExpr, bool Identity);

    private sealed record ConstraintRow(
        string TableName, string Name, string Kind, string Definition, string? OnDelete, string? RefTable, string Columns, string RefColumns);
}
