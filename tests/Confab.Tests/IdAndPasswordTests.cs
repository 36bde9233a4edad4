using Confab.Chat.Accounts;
using Confab.Chat.Ids;

namespace Confab.Tests;

public class IdAndPasswordTests
{
    [Fact]
    public void Uuid7_carries_version_variant_and_time_and_sorts_by_time()
    {
        var earlier = Uuid7.NewId(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var later = Uuid7.NewId(DateTimeOffset.Parse("2026-01-01T00:00:00.002Z", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(7, earlier.Version);
        Assert.Contains(later.ToString()[19], "89ab");
        Assert.True(string.CompareOrdinal(earlier.ToString(), later.ToString()) < 0);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), Uuid7.Timestamp(earlier));
    }

    [Fact]
    public void Uuid7_from_a_seeded_source_is_reproducible_and_otherwise_unique()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(20000);
        Assert.Equal(Uuid7.NewId(at, new Random(5)), Uuid7.NewId(at, new Random(5)));
        Assert.NotEqual(Uuid7.NewId(at), Uuid7.NewId(at));
    }

    [Fact]
    public void A_reproducible_hash_is_verified_by_identity_and_rejects_a_wrong_password()
    {
        var hash = PasswordHashing.HashReproducibly("correct horse battery", new Random(1));
        Assert.Equal(hash, PasswordHashing.HashReproducibly("correct horse battery", new Random(1)));
        Assert.True(PasswordHashing.Verify(hash, "correct horse battery"));
        Assert.False(PasswordHashing.Verify(hash, "correct horse battery!"));
    }

    [Fact]
    public void A_normal_hash_is_salted()
    {
        Assert.NotEqual(PasswordHashing.Hash("same password here"), PasswordHashing.Hash("same password here"));
    }
}
