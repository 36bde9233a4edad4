namespace Confab.Tools.Seeding;

/// <summary>Rows for one table, in the column order given, ready for a <see cref="Storage.Bulk.BulkTableWriter"/>.</summary>
internal sealed class RowSet(string table, params string[] columns)
{
    public string Table { get; } = table;

    public string[] Columns { get; } = columns;

    public List<object?[]> Rows { get; } = [];

    public void Add(params object?[] row)
    {
        if (row.Length != Columns.Length)
        {
            throw new ArgumentException($"{Table} rows have {Columns.Length} values, not {row.Length}", nameof(row));
        }

        Rows.Add(row);
    }

    public void Clear() => Rows.Clear();
}
