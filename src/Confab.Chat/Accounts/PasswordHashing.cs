using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace Confab.Chat.Accounts;

/// <summary>
/// Password hashes in ASP.NET Core Identity's format (PBKDF2 with HMAC-SHA512, 100,000 iterations, 128-bit salt),
/// hashed and verified by Identity's own <see cref="PasswordHasher{TUser}"/>.
/// </summary>
public static class PasswordHashing
{
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int SubkeyBytes = 32;

    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object User = new();

    public static string Hash(string password) => Hasher.HashPassword(User, password);

    public static bool Verify(string hash, string password) => Check(hash, password) != PasswordVerificationResult.Failed;

    /// <summary>
    /// Verifies, and says whether a matching hash is in an older format or weaker than today's
    /// (<see cref="PasswordVerificationResult.SuccessRehashNeeded"/>), so the caller can store a fresh one.
    /// Runs PBKDF2: keep it out of write transactions.
    /// </summary>
    public static PasswordVerificationResult Check(string hash, string password) => Hasher.VerifyHashedPassword(User, hash, password);

    /// <summary>
    /// The same format with a salt taken from <paramref name="random"/>, for reproducible synthetic data only.
    /// Identity verifies it like any other hash.
    /// </summary>
    public static string HashReproducibly(string password, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var salt = new byte[SaltBytes];
        random.NextBytes(salt);
        var subkey = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA512, SubkeyBytes);

        // Identity v3 layout: 0x01 | PRF (2 = HMAC-SHA512) | iterations | salt length | salt | subkey, integers big-endian.
        var output = new byte[13 + SaltBytes + SubkeyBytes];
        output[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(1), 2);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(5), Iterations);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(9), SaltBytes);
        salt.CopyTo(output, 13);
        subkey.CopyTo(output, 13 + SaltBytes);
        return Convert.ToBase64String(output);
    }
}
