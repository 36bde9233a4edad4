using Confab.Storage;
using Confab.Storage.Migrations;
using Confab.Storage.Schema;

namespace Confab.Tools.Port;

/// <summary>
/// One table to port, as both migrated schemas describe it: the columns (in the target's order), their logical
/// types and the primary key. Nothing here is written by hand; a table a later migration adds is ported as is.
/// </summary>
public sealed record PortTable(TableSchema Source, TableSchema Target, int Order)
{
    public string Name => Target.Name;

    public IReadOnlyList<string> Columns { get; } = Target.Columns.Select(c => c.Name).ToList();

    public LogicalType[] Types { get; } = Target.Columns.Select(c => c.Type).ToArray();

    public IReadOnlyList<string> Key => Target.PrimaryKey;

    /// <summary>Positions of the key columns in <see cref="Columns"/>.</summary>
    public int[] KeyOrdinals { get; } = Target.PrimaryKey.Select(k => Target.Columns.ToList().FindIndex(c => c.Name == k)).ToArray();

    public string QuotedColumns => string.Join(", ", Columns.Select(Quote));

    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Matches the two schemas table by table and orders the tables so that a row's parents come first.</summary>
public static class PortSchema
{
    public static IReadOnlyList<PortTable> Plan(SchemaModel source, SchemaModel target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var sourceTables = DataTables(source).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var targetTables = DataTables(target).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        problems.AddRange(sourceTables.Keys.Except(targetTables.Keys).Select(t => $"table {t} exists only in the source"));
        problems.AddRange(targetTables.Keys.Except(sourceTables.Keys).Select(t => $"table {t} exists only in the target"));
        foreach (var (name, table) in targetTables.Where(t => sourceTables.ContainsKey(t.Key)))
        {
            problems.AddRange(CompareColumns(sourceTables[name], table));
            if (table.PrimaryKey.Count == 0)
            {
                problems.Add($"table {name} has no primary key, so its rows cannot be checkpointed or compared");
            }
        }

        if (problems.Count > 0)
        {
            throw new StorageOperationException(
                "the source and target schemas do not match, so nothing was copied: " + string.Join("; ", problems.Order(StringComparer.Ordinal)));
        }

        return InDependencyOrder(targetTables.Values)
            .Select((t, i) => new PortTable(sourceTables[t.Name], t, i))
            .ToList();
    }

    /// <summary>Tables that hold data: not the migration journal, not SQLite's search index tables.</summary>
    public static IEnumerable<TableSchema> DataTables(SchemaModel schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Tables.Where(t => t.Kind == TableKind.Regular && t.Name != MigrationJournal);
    }

    public const string MigrationJournal = "schema_migrations";

    private static IEnumerable<string> CompareColumns(TableSchema source, TableSchema target)
    {
        foreach (var column in target.Columns)
        {
            var other = source.Column(column.Name);
            if (other is null)
            {
                yield return $"column {target.Name}.{column.Name} is missing in the source";
            }
            else if (column.Type == LogicalType.Unknown || other.Type != column.Type)
            {
                yield return $"column {target.Name}.{column.Name} is {other.StoreType} in the source and {column.StoreType} in the target";
            }
        }

        foreach (var column in source.Columns.Where(c => target.Column(c.Name) is null))
        {
            yield return $"column {source.Name}.{column.Name} is missing in the target";
        }
    }

    /// <summary>Parents before children (a table's own self-reference aside); ties by name, so the order is stable.</summary>
    private static List<TableSchema> InDependencyOrder(IEnumerable<TableSchema> tables)
    {
        var pending = tables.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var names = pending.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var ordered = new List<TableSchema>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(t => t.ForeignKeys
                .All(f => f.ReferencedTable == t.Name || placed.Contains(f.ReferencedTable) || !names.Contains(f.ReferencedTable)))
                ?? throw new StorageOperationException(
                    $"the foreign keys of {string.Join(", ", pending.Select(t => t.Name))} form a cycle; the port cannot order them");
            ordered.Add(next);
            placed.Add(next.Name);
            pending.Remove(next);
        }

        return ordered;
    }
}
