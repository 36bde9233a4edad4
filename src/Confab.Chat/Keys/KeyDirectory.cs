using System.Data.Common;
using Confab.Chat.Ids;
using Confab.Storage;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Keys;

/// <summary>
/// The end-to-end key directory. Clients hold the private keys and do the cryptography; the server publishes public
/// keys and hands each one-time prekey to exactly one caller.
/// </summary>
public sealed class KeyDirectory(ConfabDatabase database, TimeProvider clock)
{
    public const int MaxPrekeysPerUpload = 200;
    public const int MaxPrekeysPerDevice = 1000;
    public const int MaxDevicesPerUser = 20;

    public async Task<DeviceView> RegisterDeviceAsync(Guid caller, NewDevice request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        TextRules.Require(request.Name, "name");
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            errors["name"] = ["must be 1 to 100 characters"];
        }

        if (request.IdentityKey is not { Length: >= 16 and <= 1024 })
        {
            errors["identityKey"] = ["must be 16 to 1024 bytes (base64)"];
        }

        Collect(errors, request.SignedPrekey);
        Collect(errors, request.OneTimePrekeys);
        Throw(errors);
        try
        {
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    var devices = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        "SELECT count(*) FROM devices WHERE user_id = @caller AND revoked_at IS NULL", new { caller }, transaction, cancellationToken: cancellationToken));
                    if (devices >= MaxDevicesPerUser)
                    {
                        throw new ChatException(ChatErrorKind.Conflict, "too_many_devices", $"An account has at most {MaxDevicesPerUser} devices; remove one first.");
                    }

                    var now = clock.Now();
                    var id = Uuid7.NewId(now);
                    var signed = request.SignedPrekey;
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO devices (id, user_id, name, identity_key, signed_prekey_id, signed_prekey, signed_prekey_signature, signed_prekey_rotated_at, created_at, updated_at)
                        VALUES (@id, @caller, @name, @identityKey, @signedId, @signedKey, @signature, @rotated, @now, @now)
                        """,
                        new
                        {
                            id, caller, name = request.Name!.Trim(), identityKey = request.IdentityKey, signedId = signed?.Id, signedKey = signed?.PublicKey,
                            signature = signed?.Signature, rotated = signed is null ? (DateTime?)null : now, now,
                        },
                        transaction,
                        cancellationToken: cancellationToken));
                    await InsertPrekeysAsync(connection, transaction, id, request.OneTimePrekeys ?? [], now, cancellationToken);
                    return await DeviceAsync(connection, transaction, caller, id, cancellationToken);
                },
                cancellationToken);
        }
        catch (DbException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            throw DuplicatePrekey();
        }
    }

    public async Task<IReadOnlyList<DeviceView>> DevicesAsync(Guid caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<DeviceView>(new CommandDefinition(
            $"{DeviceSelect} WHERE d.user_id = @caller AND d.revoked_at IS NULL ORDER BY d.created_at", new { caller }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<DeviceView> RotateSignedPrekeyAsync(Guid caller, Guid deviceId, SignedPrekey? prekey, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (prekey is null)
        {
            errors["signedPrekey"] = ["is required"];
        }

        Collect(errors, prekey);
        Throw(errors);
        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                await DeviceAsync(connection, transaction, caller, deviceId, cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE devices SET signed_prekey_id = @Id, signed_prekey = @PublicKey, signed_prekey_signature = @Signature, signed_prekey_rotated_at = @now
                    WHERE id = @deviceId
                    """,
                    new { prekey!.Id, prekey.PublicKey, prekey.Signature, now = clock.Now(), deviceId },
                    transaction,
                    cancellationToken: cancellationToken));
                return await DeviceAsync(connection, transaction, caller, deviceId, cancellationToken);
            },
            cancellationToken);
    }

    public async Task<DeviceView> UploadPrekeysAsync(Guid caller, Guid deviceId, IReadOnlyList<OneTimePrekey>? prekeys, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (prekeys is not { Count: > 0 })
        {
            errors["prekeys"] = ["name at least one prekey"];
        }

        Collect(errors, prekeys);
        Throw(errors);
        try
        {
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    var device = await DeviceAsync(connection, transaction, caller, deviceId, cancellationToken);
                    if (device.RemainingPrekeys + prekeys!.Count > MaxPrekeysPerDevice)
                    {
                        throw new ChatException(ChatErrorKind.Conflict, "too_many_prekeys", $"A device holds at most {MaxPrekeysPerDevice} unclaimed prekeys.");
                    }

                    await InsertPrekeysAsync(connection, transaction, deviceId, prekeys, clock.Now(), cancellationToken);
                    return await DeviceAsync(connection, transaction, caller, deviceId, cancellationToken);
                },
                cancellationToken);
        }
        catch (DbException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            throw DuplicatePrekey();
        }
    }

    /// <summary>Removes a device: its keys are no longer handed out and its unclaimed prekeys are deleted.</summary>
    public async Task RemoveDeviceAsync(Guid caller, Guid deviceId, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                await DeviceAsync(connection, transaction, caller, deviceId, cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM one_time_prekeys WHERE device_id = @deviceId AND claimed_at IS NULL", new { deviceId }, transaction, cancellationToken: cancellationToken));
                return await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE devices SET revoked_at = @now WHERE id = @deviceId", new { deviceId, now = clock.Now() }, transaction, cancellationToken: cancellationToken));
            },
            cancellationToken);

    /// <summary>
    /// One bundle per active device of <paramref name="userId"/>, each claiming that device's lowest unclaimed one-time
    /// prekey. The claim is an UPDATE that only succeeds while the key is still unclaimed: a caller that loses a race
    /// for a key re-reads and takes the next one, so no key ever goes to two callers. Refused while either has blocked the other.
    /// </summary>
    public async Task<IReadOnlyList<KeyBundle>> ClaimBundlesAsync(Guid caller, Guid userId, CancellationToken cancellationToken)
    {
        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                // A block works both ways: neither may open a session with the other, nor use up the other's prekeys.
                if (caller != userId && await Conversations.Membership.BlockedAsync(connection, transaction, caller, userId, cancellationToken))
                {
                    throw new ChatException(ChatErrorKind.Forbidden, "blocked", "You cannot fetch this user's keys.");
                }

                var devices = (await connection.QueryAsync<BundleRow>(new CommandDefinition(
                    """
                    SELECT d.id AS DeviceId, d.identity_key AS IdentityKey, d.signed_prekey_id AS SignedId, d.signed_prekey AS SignedKey,
                           d.signed_prekey_signature AS Signature
                    FROM devices d JOIN users u ON u.id = d.user_id
                    WHERE d.user_id = @userId AND d.revoked_at IS NULL AND u.erased_at IS NULL AND u.disabled_at IS NULL
                    ORDER BY d.created_at
                    """,
                    new { userId },
                    transaction,
                    cancellationToken: cancellationToken))).ToList();
                if (devices.Count == 0)
                {
                    throw new ChatException(ChatErrorKind.NotFound, "keys_not_found", "This user has published no keys.");
                }

                var bundles = new List<KeyBundle>();
                foreach (var device in devices)
                {
                    var claimed = await ClaimAsync(connection, transaction, caller, device.DeviceId, cancellationToken);
                    var signed = device.SignedId is { } signedId ? new SignedPrekey(signedId, device.SignedKey!, device.Signature!) : null;
                    bundles.Add(new KeyBundle(device.DeviceId, device.IdentityKey, signed, claimed));
                }

                return (IReadOnlyList<KeyBundle>)bundles;
            },
            cancellationToken);
    }

    private async Task<OneTimePrekey?> ClaimAsync(DbConnection connection, DbTransaction transaction, Guid caller, Guid deviceId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var candidate = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT min(key_id) FROM one_time_prekeys WHERE device_id = @deviceId AND claimed_at IS NULL",
                new { deviceId },
                transaction,
                cancellationToken: cancellationToken));
            if (candidate is not { } keyId)
            {
                return null;
            }

            var key = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
                """
                UPDATE one_time_prekeys SET claimed_at = @now, claimed_by = @caller
                WHERE device_id = @deviceId AND key_id = @keyId AND claimed_at IS NULL
                RETURNING public_key
                """,
                new { deviceId, keyId, caller, now = clock.Now() },
                transaction,
                cancellationToken: cancellationToken));
            if (key is not null)
            {
                return new OneTimePrekey(keyId, key);
            }
        }

        throw new ChatException(ChatErrorKind.Conflict, "prekey_contention", "Too many callers are claiming this device's prekeys; try again.");
    }

    private const string DeviceSelect = """
        SELECT d.id AS Id, d.name AS Name, d.identity_key AS IdentityKey, d.signed_prekey_id AS SignedPrekeyId,
               d.signed_prekey_rotated_at AS SignedPrekeyRotatedAt, d.created_at AS CreatedAt,
               (SELECT count(*) FROM one_time_prekeys k WHERE k.device_id = d.id AND k.claimed_at IS NULL) AS RemainingPrekeys
        FROM devices d
        """;

    private static async Task<DeviceView> DeviceAsync(DbConnection connection, DbTransaction? transaction, Guid caller, Guid deviceId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<DeviceView>(new CommandDefinition(
            $"{DeviceSelect} WHERE d.id = @deviceId AND d.user_id = @caller AND d.revoked_at IS NULL",
            new { deviceId, caller },
            transaction,
            cancellationToken: cancellationToken))
        ?? throw new ChatException(ChatErrorKind.NotFound, "device_not_found", "There is no such device of yours.");

    private static async Task InsertPrekeysAsync(DbConnection connection, DbTransaction transaction, Guid deviceId, IReadOnlyList<OneTimePrekey> prekeys, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var prekey in prekeys)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO one_time_prekeys (device_id, key_id, public_key, created_at) VALUES (@deviceId, @Id, @PublicKey, @now)",
                new { deviceId, prekey.Id, prekey.PublicKey, now },
                transaction,
                cancellationToken: cancellationToken));
        }
    }

    private static void Collect(Dictionary<string, string[]> errors, SignedPrekey? prekey)
    {
        if (prekey is not null && (prekey.Id < 0 || prekey.PublicKey is not { Length: >= 16 and <= 1024 } || prekey.Signature is not { Length: >= 16 and <= 1024 }))
        {
            errors["signedPrekey"] = ["needs an id ≥ 0, a public key and a signature of 16 to 1024 bytes each (base64)"];
        }
    }

    private static void Collect(Dictionary<string, string[]> errors, IReadOnlyList<OneTimePrekey>? prekeys)
    {
        if (prekeys is null)
        {
            return;
        }

        if (prekeys.Count > MaxPrekeysPerUpload)
        {
            errors["prekeys"] = [$"upload at most {MaxPrekeysPerUpload} at a time"];
        }
        else if (prekeys.Any(p => p is null || p.Id < 0 || p.PublicKey is not { Length: >= 16 and <= 1024 }))
        {
            errors["prekeys"] = ["each needs an id ≥ 0 and a public key of 16 to 1024 bytes (base64)"];
        }
        else if (prekeys.Select(p => p.Id).Distinct().Count() != prekeys.Count)
        {
            errors["prekeys"] = ["key ids must be unique"];
        }
    }

    private static void Throw(Dictionary<string, string[]> errors)
    {
        if (errors.Count > 0)
        {
            throw ChatException.Invalid(errors);
        }
    }

    private static ChatException DuplicatePrekey() =>
        new(ChatErrorKind.Conflict, "duplicate_prekey", "A prekey with that id exists for this device.");

    private sealed record BundleRow
    {
        public Guid DeviceId { get; init; }

        public byte[] IdentityKey { get; init; } = [];

        public long? SignedId { get; init; }

        public byte[]? SignedKey { get; init; }

        public byte[]? Signature { get; init; }
    }
}
