namespace Confab.Chat.Keys;

/// <summary>A signed prekey: its id, public key and the identity key's signature over it. The server stores, never verifies.</summary>
public sealed record SignedPrekey(long Id, byte[] PublicKey, byte[] Signature);

public sealed record OneTimePrekey(long Id, byte[] PublicKey);

public sealed record NewDevice(string? Name, byte[]? IdentityKey, SignedPrekey? SignedPrekey, IReadOnlyList<OneTimePrekey>? OneTimePrekeys);

public sealed record DeviceView
{
    public Guid Id { get; init; }

    public string Name { get; init; } = string.Empty;

    public byte[] IdentityKey { get; init; } = [];

    public long? SignedPrekeyId { get; init; }

    public DateTime? SignedPrekeyRotatedAt { get; init; }

    public DateTime CreatedAt { get; init; }

    public long RemainingPrekeys { get; init; }
}

/// <summary>What a sender needs to open a session with one device; the one-time prekey is null when none are left.</summary>
public sealed record KeyBundle(Guid DeviceId, byte[] IdentityKey, SignedPrekey? SignedPrekey, OneTimePrekey? OneTimePrekey);
