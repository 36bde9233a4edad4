using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Confab.Storage.Schema;

namespace Confab.Tools.Verification;

/// <summary>One table's row count and content checksum, as a backup manifest records it.</summary>
public sealed record TableFingerprint(string Name, long Rows, string Checksum);

/// <summary>
/// The content checksums of one database, computed the way verify computes a side: every table read in key order,
/// each row in canonical form, SHA-256 per chunk of <see cref="DatabaseVerifier.ChunkRows"/> rows and SHA-256 over
/// the chunk hashes. A table's checksum here equals the checksum verify reports for that side, so a backup manifest,
/// a restored database and a port can be compared with one another.
/// </summary>
public static class ContentFingerprint
{
    /// <summary>Reads every regular table (the migration journal too) on <paramref name="connection"/>, in whatever transaction it holds.</summary>
    public static async Task<IReadOnlyList<TableFingerprint>> ComputeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var schema = await SchemaReader.ReadAsync(connection, cancellationToken);
        var result = new List<TableFingerprint>();
        foreach (var table in schema.Tables.Where(t => t.Kind == TableKind.Regular && t.PrimaryKey.Count > 0).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var hash = new ChunkedHash();
            await foreach (var row in RowStream.ReadAsync(connection, table, table.Columns, cancellationToken))
            {
                hash.Add(row);
            }

            result.Add(new TableFingerprint(table.Name, hash.Rows, hash.Finish()));
        }

        return result;
    }

    /// <summary>The hash of one side of a table: rows into chunks, chunks into the table.</summary>
    internal sealed class ChunkedHash
    {
        private readonly IncrementalHash chunk = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash table = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long inChunk;

        public long Rows { get; private set; }

        public void Add(CanonicalRow row)
        {
            if (inChunk == DatabaseVerifier.ChunkRows)
            {
                table.AppendData(chunk.GetHashAndReset());
                inChunk = 0;
            }

            AppendRow(chunk, row);
            inChunk++;
            Rows++;
        }

        public string Finish()
        {
            if (inChunk > 0)
            {
                table.AppendData(chunk.GetHashAndReset());
                inChunk = 0;
            }

            return Convert.ToHexStringLower(table.GetHashAndReset());
        }
    }

    /// <summary>The bytes of one row in a chunk hash; verify and fingerprints share it.</summary>
    internal static void AppendRow(IncrementalHash hash, CanonicalRow row) =>
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\u001f', row.Values) + "\n"));
}
