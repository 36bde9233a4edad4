using System.Security.Cryptography;
using System.Text;

namespace Confab.Chat.Sessions;

/// <summary>
/// Opaque bearer tokens: 256 random bits, base64url, with a prefix that tells access from refresh tokens (and
/// lets secret scanners spot them). Only their SHA-256 is stored.
/// </summary>
public static class SessionTokens
{
    public const string AccessPrefix = "cfa_";
    public const string RefreshPrefix = "cfr_";

    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token ?? string.Empty));
}
