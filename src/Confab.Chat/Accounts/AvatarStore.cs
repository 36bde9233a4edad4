using Confab.Chat.Attachments;
using Confab.Chat.Files;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Accounts;

/// <summary>
/// Profile pictures uploaded to the server. The bytes are kept once per content under the data directory's
/// <see cref="Folder"/>, named by their SHA-256; the account's avatar URL becomes the server path of that name. A
/// picture is served only while some account names it, so replacing, removing or erasing an avatar stops it at once;
/// the sweep removes the file later.
/// </summary>
public sealed class AvatarStore(ConfabDatabase database, string dataDirectory)
{
    public const long MaxBytes = 2 * 1024 * 1024;

    /// <summary>The largest width and height a picture may have.</summary>
    public const int MaxSide = 4096;

    /// <summary>The folder of the data directory that holds the pictures.</summary>
    public const string Folder = "avatars";

    /// <summary>Where an uploaded picture is served, followed by its hex SHA-256: what the account's avatar URL holds.</summary>
    public const string UrlPrefix = "/api/v1/avatars/";

    /// <summary>
    /// The accounts whose avatar is an uploaded picture, written exactly as the partial index of migration 0005 says
    /// (a bound parameter or another spelling would not let the index serve the query).
    /// </summary>
    internal const string UploadedRows = "substr(avatar_url, 1, 16) = '/api/v1/avatars/'";

    private readonly ContentFiles files = new(dataDirectory, Folder);

    /// <summary>Whether the avatar URL names a picture uploaded to this server.</summary>
    public static bool IsUploaded(string? avatarUrl) => avatarUrl is not null && avatarUrl.StartsWith(UrlPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Stores the picture and makes it the account's avatar. Its type comes from its content, never from what the
    /// client declares; the whole file (at most <see cref="MaxBytes"/>) is read for its dimensions, because a JPEG's
    /// frame header may follow long metadata.
    /// </summary>
    public async Task<UserAccount> UploadAsync(Guid userId, Stream content, CancellationToken cancellationToken)
    {
        using var staged = await files.ReceiveAsync(content, MaxBytes, (int)MaxBytes, TooLarge, cancellationToken);
        var type = ContentSniffer.Sniff(staged.Head, complete: true);
        if (type is null || !ContentSniffer.Images.Contains(type))
        {
            throw new ChatException(ChatErrorKind.Validation, "unsupported_avatar_type", "A profile picture is a JPEG, PNG, GIF or WebP image.",
                new Dictionary<string, string[]> { ["file"] = ["is not a JPEG, PNG, GIF or WebP image"] });
        }

        var (width, height) = ContentSniffer.Dimensions(type, staged.Head) ?? throw Invalid("has no width and height that could be read");
        if (width > MaxSide || height > MaxSide)
        {
            throw Invalid($"is {width}×{height} pixels; at most {MaxSide}×{MaxSide}");
        }

        files.Place(staged);
        var avatarUrl = UrlPrefix + staged.Key;
        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE users SET avatar_url = @avatarUrl WHERE id = @userId AND erased_at IS NULL",
                    new { avatarUrl, userId },
                    transaction,
                    cancellationToken: cancellationToken));
                files.EnsurePlaced(staged);
                return await AccountStore.GetAsync(connection, transaction, userId, cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>Takes the avatar away, whether uploaded or external.</summary>
    public Task RemoveAsync(Guid userId, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET avatar_url = NULL WHERE id = @userId AND avatar_url IS NOT NULL",
                new { userId },
                transaction,
                cancellationToken: cancellationToken)),
            cancellationToken);

    /// <summary>The picture stored under <paramref name="key"/> and its type, while an account names it.</summary>
    public async Task<(string ContentType, Stream Content)> OpenAsync(string key, CancellationToken cancellationToken)
    {
        if (!ContentFiles.IsKey(key))
        {
            throw NotFound();
        }

        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            var named = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                $"SELECT 1 FROM users WHERE {UploadedRows} AND avatar_url = @avatarUrl AND erased_at IS NULL LIMIT 1",
                new { avatarUrl = UrlPrefix + key },
                cancellationToken: cancellationToken));
            if (named is null)
            {
                throw NotFound();
            }
        }

        var content = files.Open(key) ?? throw NotFound();
        try
        {
            var head = new byte[ContentSniffer.HeaderLength];
            var read = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            content.Position = 0;
            return ContentSniffer.Sniff(head.AsSpan(0, read), complete: read < head.Length) is { } type && ContentSniffer.Images.Contains(type)
                ? (type, content)
                : throw NotFound();
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
    }

    private static ChatException TooLarge() => new(ChatErrorKind.Validation, "avatar_too_large", "A profile picture is at most 2 MiB.",
        new Dictionary<string, string[]> { ["file"] = ["is larger than 2 MiB"] });

    private static ChatException Invalid(string reason) => new(ChatErrorKind.Validation, "invalid_avatar", $"The picture {reason}.",
        new Dictionary<string, string[]> { ["file"] = [reason] });

    private static ChatException NotFound() => new(ChatErrorKind.NotFound, "avatar_not_found", "There is no such profile picture.");
}
