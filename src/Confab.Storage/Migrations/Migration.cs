using System.Security.Cryptography;
using System.Text;

namespace Confab.Storage.Migrations;

/// <summary>One numbered migration of one dialect: its up and down scripts.</summary>
public sealed record Migration(long Version, string Name, string UpFile, string UpSql, string DownFile, string DownSql)
{
    /// <summary>A file whose header holds this line runs outside a transaction (PostgreSQL only; one statement).</summary>
    public const string NoTransactionMarker = "-- confab:no-transaction";

    public string Id => $"{Version:D4}_{Name}";

    /// <summary>SHA-256 of the up file after normalising line endings, so a checkout on another OS is not drift.</summary>
    public string Checksum { get; } = ComputeChecksum(UpSql);

    public bool UpInTransaction => !HasNoTransactionMarker(UpSql);

    public bool DownInTransaction => !HasNoTransactionMarker(DownSql);

    public static string ComputeChecksum(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var normalised = sql.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));
    }

    private static bool HasNoTransactionMarker(string sql) =>
        sql.Split('\n').Select(l => l.Trim()).TakeWhile(l => l.Length == 0 || l.StartsWith("--", StringComparison.Ordinal))
            .Any(l => l.Equals(NoTransactionMarker, StringComparison.OrdinalIgnoreCase));
}
