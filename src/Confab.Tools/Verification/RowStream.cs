using System.Data.Common;
using System.Runtime.CompilerServices;
using Confab.Storage.Schema;
using Confab.Storage.Verification;

namespace Confab.Tools.Verification;

/// <summary>One row in canonical form: the key values (for merging two sides) and each column's canonical text.</summary>
internal sealed record CanonicalRow(string[] Key, string[] Values);

/// <summary>
/// Reads a table in primary-key order in byte order of the key (PostgreSQL text keys under COLLATE "C", as SQLite's
/// BINARY compares), each value in the canonical form both engines agree on.
/// </summary>
internal static class RowStream
{
    public static async IAsyncEnumerable<CanonicalRow> ReadAsync(
        DbConnection connection, TableSchema table, IReadOnlyList<ColumnSchema> columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var postgres = connection is Npgsql.NpgsqlConnection;
        var keyOrdinals = table.PrimaryKey.Select(k => columns.ToList().FindIndex(c => c.Name == k)).ToArray();
        var order = string.Join(", ", table.PrimaryKey.Select(k =>
            Port.PortTable.Quote(k) + (postgres && table.Column(k)!.Type == LogicalType.Text ? " COLLATE \"C\"" : string.Empty)));
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", columns.Select(c => Port.PortTable.Quote(c.Name)))} FROM {Port.PortTable.Quote(table.Name)} ORDER BY {order}";
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new string[columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = ContentChecksum.Canonical(reader.IsDBNull(i) ? null : reader.GetValue(i), columns[i].Type);
            }

            var key = new string[keyOrdinals.Length];
            for (var i = 0; i < key.Length; i++)
            {
                key[i] = values[keyOrdinals[i]];
            }

            yield return new CanonicalRow(key, values);
        }
    }

    /// <summary>Compares keys as both engines order them: numbers as numbers, text and canonical forms by code point.</summary>
    public static int CompareKeys(string[] a, string[] b, LogicalType[] types)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var result = types[i] switch
            {
                LogicalType.Int16 or LogicalType.Int32 or LogicalType.Int64 or LogicalType.Boolean =>
                    long.Parse(a[i], System.Globalization.CultureInfo.InvariantCulture).CompareTo(long.Parse(b[i], System.Globalization.CultureInfo.InvariantCulture)),
                _ => CodePointOrder(a[i], b[i]),
            };
            if (result != 0)
            {
                return result;
            }
        }

        return 0;
    }

    /// <summary>UTF-8 byte order (what SQLite's BINARY and PostgreSQL's "C" give), which differs from UTF-16 order above U+FFFF.</summary>
    public static int CodePointOrder(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var (x, y) = (a[i], b[i]);
            if (x == y)
            {
                continue;
            }

            // A surrogate (a code point above U+FFFF) sorts after every other UTF-16 unit in code point order.
            var xs = char.IsSurrogate(x);
            var ys = char.IsSurrogate(y);
            return xs == ys ? x.CompareTo(y) : xs ? 1 : -1;
        }

        return a.Length.CompareTo(b.Length);
    }
}
