namespace Confab.Storage.Schema;

/// <summary>The types a column can hold, independent of how an engine spells them.</summary>
public enum LogicalType
{
    Unknown,
    Text,
    Uuid,
    Int16,
    Int32,
    Int64,
    Double,
    Decimal,
    Boolean,
    Timestamp,
    Json,
    Bytes,
}

public enum TableKind
{
    /// <summary>An ordinary table that holds data.</summary>
    Regular,

    /// <summary>An SQLite virtual table (the FTS5 search index); rebuilt from data, never copied.</summary>
    Virtual,

    /// <summary>A table SQLite keeps for a virtual table; never copied.</summary>
    Shadow,
}

/// <summary>A database's schema as read back from the engine's catalog.</summary>
public sealed record SchemaModel(
    IReadOnlyList<TableSchema> Tables,
    IReadOnlyList<ViewSchema> Views,
    IReadOnlyList<RoutineSchema> Routines,
    IReadOnlyList<string> Extensions)
{
    public TableSchema? Table(string name) => Tables.FirstOrDefault(t => t.Name == name);
}

public sealed record TableSchema(
    string Name,
    TableKind Kind,
    IReadOnlyList<ColumnSchema> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<IndexSchema> Indexes,
    IReadOnlyList<ForeignKeySchema> ForeignKeys,
    IReadOnlyList<CheckSchema> Checks,
    IReadOnlyList<TriggerSchema> Triggers)
{
    /// <summary>The engine's own full definition where it keeps one (SQLite's CREATE TABLE text); null on PostgreSQL.</summary>
    public string? Definition { get; init; }

    public ColumnSchema? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);
}

public sealed record ColumnSchema(string Name, string StoreType, LogicalType Type, bool Nullable, string? Default, bool Identity);

public sealed record IndexSchema(string Name, bool Unique, string Definition);

public sealed record ForeignKeySchema(IReadOnlyList<string> Columns, string ReferencedTable, IReadOnlyList<string> ReferencedColumns, string OnDelete)
{
    public override string ToString() =>
        $"({string.Join(", ", Columns)}) -> {ReferencedTable} ({string.Join(", ", ReferencedColumns)}) ON DELETE {OnDelete}";
}

public sealed record CheckSchema(string Name, string Definition);

public sealed record TriggerSchema(string Name, string Definition);

public sealed record ViewSchema(string Name, IReadOnlyList<string> Columns, string Definition);

public sealed record RoutineSchema(string Name, string Definition);
