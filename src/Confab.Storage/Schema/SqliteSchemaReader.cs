using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;

namespace Confab.Storage.Schema;

internal static partial class SqliteSchemaReader
{
    // The shadow tables FTS5 keeps for each virtual table.
    private static readonly string[] ShadowSuffixes = ["_data", "_idx", "_content", "_docsize", "_config"];

    public static async Task<SchemaModel> ReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var objects = (await connection.QueryAsync<(string Type, string Name, string TableName, string? Sql)>(new CommandDefinition(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
            cancellationToken: cancellationToken))).ToList();

        var virtualTables = objects
            .Where(o => o.Type == "table" && o.Sql?.StartsWith("CREATE VIRTUAL TABLE", StringComparison.OrdinalIgnoreCase) == true)
            .Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        var tables = new List<TableSchema>();
        foreach (var table in objects.Where(o => o.Type == "table"))
        {
            var kind = virtualTables.Contains(table.Name) ? TableKind.Virtual
                : virtualTables.Any(v => ShadowSuffixes.Any(s => table.Name == v + s)) ? TableKind.Shadow
                : TableKind.Regular;
            tables.Add(await ReadTableAsync(connection, table.Name, table.Sql ?? string.Empty, kind, objects, cancellationToken));
        }

        var views = new List<ViewSchema>();
        foreach (var view in objects.Where(o => o.Type == "view"))
        {
            var columns = await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT name FROM pragma_table_info(@name) ORDER BY cid", new { name = view.Name }, cancellationToken: cancellationToken));
            views.Add(new ViewSchema(view.Name, columns.ToList(), SchemaReader.NormaliseWhitespace(view.Sql ?? string.Empty)));
        }

        return new SchemaModel(tables, views, [], []);
    }

    private static async Task<TableSchema> ReadTableAsync(
        DbConnection connection,
        string name,
        string sql,
        TableKind kind,
        IReadOnlyList<(string Type, string Name, string TableName, string? Sql)> objects,
        CancellationToken cancellationToken)
    {
        var columns = (await connection.QueryAsync<(string Name, string Type, long NotNull, string? Default, long Pk)>(new CommandDefinition(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(@name) WHERE hidden = 0 ORDER BY cid",
            new { name },
            cancellationToken: cancellationToken))).ToList();

        var indexes = new List<IndexSchema>();
        var indexRows = await connection.QueryAsync<(string Name, long Unique, string Origin)>(new CommandDefinition(
            "SELECT name, \"unique\", origin FROM pragma_index_list(@name) ORDER BY name", new { name }, cancellationToken: cancellationToken));
        foreach (var index in indexRows.Where(i => i.Origin != "pk"))
        {
            var definition = objects.FirstOrDefault(o => o.Type == "index" && o.Name == index.Name).Sql;
            if (definition is null)
            {
                // An automatic index behind a UNIQUE column constraint: describe it by its columns.
                var cols = await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT name FROM pragma_index_info(@index) ORDER BY seqno", new { index = index.Name }, cancellationToken: cancellationToken));
                definition = $"UNIQUE ({string.Join(", ", cols)})";
            }

            indexes.Add(new IndexSchema(index.Name, index.Unique == 1, SchemaReader.NormaliseWhitespace(definition)));
        }

        var foreignKeys = (await connection.QueryAsync<(long Id, long Seq, string Table, string From, string? To, string OnDelete)>(new CommandDefinition(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(@name) ORDER BY id, seq",
            new { name },
            cancellationToken: cancellationToken)))
            .GroupBy(f => f.Id)
            .Select(g => new ForeignKeySchema(
                g.Select(f => f.From).ToList(), g.First().Table, g.Select(f => f.To ?? string.Empty).ToList(), g.First().OnDelete.ToUpperInvariant()))
            .ToList();

        return new TableSchema(
            name,
            kind,
            columns.Select(c => new ColumnSchema(
                c.Name, c.Type, Logical(c.Type, c.Pk > 0), c.NotNull == 0 && c.Pk == 0, c.Default,
                Identity: c.Pk > 0 && c.Type.Equals("INTEGER", StringComparison.OrdinalIgnoreCase) && columns.Count(x => x.Pk > 0) == 1))
                .ToList(),
            columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList(),
            indexes,
            foreignKeys,
            NamedChecks(sql),
            objects.Where(o => o.Type == "trigger" && o.TableName == name)
                .Select(o => new TriggerSchema(o.Name, SchemaReader.NormaliseWhitespace(o.Sql ?? string.Empty))).ToList())
        {
            Definition = SchemaReader.NormaliseWhitespace(sql),
        };
    }

    /// <summary>The named CHECK constraints of a CREATE TABLE text, with their expressions (balanced parentheses).</summary>
    internal static IReadOnlyList<CheckSchema> NamedChecks(string sql)
    {
        var checks = new List<CheckSchema>();
        foreach (Match match in CheckPattern().Matches(sql))
        {
            var start = match.Index + match.Length - 1;
            var depth = 0;
            var inQuote = false;
            for (var i = start; i < sql.Length; i++)
            {
                var c = sql[i];
                if (c == '\'')
                {
                    inQuote = !inQuote;
                }
                else if (!inQuote && c == '(')
                {
                    depth++;
                }
                else if (!inQuote && c == ')' && --depth == 0)
                {
                    checks.Add(new CheckSchema(match.Groups[1].Value, SchemaReader.NormaliseWhitespace(sql[start..(i + 1)])));
                    break;
                }
            }
        }

        return checks.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Declared types are a fixed vocabulary (see the SQLite migrations' header) naming the logical type.</summary>
    private static LogicalType Logical(string declared, bool primaryKey) => declared.Trim().ToUpperInvariant() switch
    {
        "UUID" => LogicalType.Uuid,
        "TEXT" => LogicalType.Text,
        "INT" => LogicalType.Int32,
        "INTEGER" or "BIGINT" => LogicalType.Int64,
        "SMALLINT" => LogicalType.Int16,
        "REAL" or "DOUBLE" => LogicalType.Double,
        "NUMERIC" or "DECIMAL" => LogicalType.Decimal,
        "BOOLEAN" => LogicalType.Boolean,
        "TIMESTAMPTZ" => LogicalType.Timestamp,
        "JSON_TEXT" => LogicalType.Json,
        "BLOB" => LogicalType.Bytes,
        "" when primaryKey => LogicalType.Int64,
        _ => LogicalType.Unknown,
    };

    [GeneratedRegex(@"CONSTRAINT\s+(\w+)\s+CHECK\s*\(", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CheckPattern();
}
