using System.Data.Common;
using Confab.Storage.Bulk;
using Confab.Storage.Schema;

namespace Confab.Tools.Seeding;

/// <summary>Writes row sets, in the order given (parents before children), through the engine's bulk path.</summary>
internal static class RowSetWriter
{
    /// <summary>Writes the sets and adds the rows written per table to <paramref name="counts"/>.</summary>
    public static async Task WriteAsync(
        DbConnection connection,
        DbTransaction transaction,
        SchemaModel schema,
        IEnumerable<RowSet> sets,
        IDictionary<string, long> counts,
        CancellationToken cancellationToken)
    {
        foreach (var set in sets)
        {
            if (set.Rows.Count == 0)
            {
                continue;
            }

            var table = schema.Table(set.Table) ?? throw new InvalidOperationException($"the database has no table {set.Table}; is it migrated?");
            await using var writer = await BulkTableWriter.BeginAsync(connection, transaction, table, set.Columns, cancellationToken);
            foreach (var row in set.Rows)
            {
                await writer.WriteAsync(row, cancellationToken);
            }

            var written = await writer.CompleteAsync(cancellationToken);
            counts[set.Table] = counts.TryGetValue(set.Table, out var before) ? before + written : written;
        }
    }
}
