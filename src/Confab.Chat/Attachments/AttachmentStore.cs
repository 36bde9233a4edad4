using Confab.Chat.Conversations;
using Confab.Chat.Files;
using Confab.Chat.Ids;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Attachments;

public sealed record AttachmentView
{
    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    public Guid? MessageId { get; init; }

    public Guid? UploaderId { get; init; }

    public string FileName { get; init; } = string.Empty;

    public string ContentType { get; init; } = string.Empty;

    public long SizeBytes { get; init; }

    public byte[] Sha256 { get; init; } = [];

    public int? Width { get; init; }

    public int? Height { get; init; }

    public DateTime CreatedAt { get; init; }

    internal string StorageKey { get; init; } = string.Empty;

    internal const string Columns =
        "id, conversation_id, message_id, uploader_id, file_name, content_type, size_bytes, sha256, width, height, created_at, storage_key";
}

/// <summary>
/// Attachments: bytes stored once per content under the data directory (named by their SHA-256), metadata in the
/// database. A file is written to a temporary name and moved into place, so a half-written upload is never served.
/// </summary>
/// <remarks><paramref name="quotaBytes"/>: how much one user may keep stored (their attachments that can still be fetched); 0 for no limit.</remarks>
public sealed class AttachmentStore(ConfabDatabase database, TimeProvider clock, string dataDirectory, long quotaBytes = 0)
{
    public const long MaxBytes = 10 * 1024 * 1024;

    /// <summary>The folder of the data directory that holds the bytes.</summary>
    public const string Folder = "attachments";

    // Mixed into the uploader's id: serialises one user's uploads on PostgreSQL so parallel ones cannot all pass the quota.
    private const long QuotaLockSalt = 0x636F_6E66_6162_0200;

    private readonly ContentFiles files = new(dataDirectory, Folder);

    public async Task<AttachmentView> UploadAsync(Guid caller, Guid conversationId, string? fileName, string? declaredType, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = ValidateFileName(fileName);
        await using (var check = await database.OpenConnectionAsync(cancellationToken))
        {
            await Membership.RequireAsync(check, null, conversationId, caller, cancellationToken);
        }

        using var staged = await files.ReceiveAsync(content, MaxBytes, ContentSniffer.HeaderLength, TooLarge, cancellationToken);
        var type = ContentSniffer.Sniff(staged.Head, complete: staged.Size <= staged.Head.Length)
            ?? throw new ChatException(ChatErrorKind.Validation, "unsupported_attachment_type",
                "Only JPEG, PNG, GIF, WebP, PDF and plain UTF-8 text can be attached.",
                new Dictionary<string, string[]> { ["file"] = ["is not an allowed type"] });
        var declared = declaredType?.Split(';')[0].Trim().ToLowerInvariant();
        if (declared is not (null or "" or "application/octet-stream") && declared != type)
        {
            throw new ChatException(ChatErrorKind.Validation, "content_type_mismatch",
                $"The file is {type}, not the {declared} it was sent as.",
                new Dictionary<string, string[]> { ["file"] = [$"content is {type}"] });
        }

        files.Place(staged);
        var dimensions = ContentSniffer.Dimensions(type, staged.Head);
        var (size, hash, key) = (staged.Size, Convert.FromHexString(staged.Key), staged.Key);
        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                await Membership.RequireAsync(connection, transaction, conversationId, caller, cancellationToken);
                await RequireQuotaAsync(connection, transaction, caller, size, cancellationToken);
                var now = clock.Now();
                var id = Uuid7.NewId(now);
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO attachments (id, uploader_id, conversation_id, file_name, content_type, size_bytes, sha256, storage_key, width, height, created_at)
                    VALUES (@id, @caller, @conversationId, @name, @type, @size, @hash, @storageKey, @width, @height, @now)
                    """,
                    new { id, caller, conversationId, name, type, size, hash, storageKey = $"{key}/{id}", width = dimensions?.Width, height = dimensions?.Height, now },
                    transaction,
                    cancellationToken: cancellationToken));
                files.EnsurePlaced(staged);
                return await FindAsync(connection, transaction, id, cancellationToken) ?? throw new InvalidOperationException("the attachment vanished");
            },
            cancellationToken);
    }

    /// <summary>The attachment and a stream of its bytes, for members of its conversation only.</summary>
    public async Task<(AttachmentView Attachment, Stream Content)> OpenAsync(Guid caller, Guid attachmentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var attachment = await FindAsync(connection, null, attachmentId, cancellationToken) ?? throw NotFound();
        try
        {
            await Membership.RequireAsync(connection, null, attachment.ConversationId, caller, cancellationToken);
        }
        catch (ChatException ex) when (ex.Kind == ChatErrorKind.NotFound)
        {
            throw NotFound();
        }

        if (attachment.MessageId is { } messageId && await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT deleted_at FROM messages WHERE id = @messageId", new { messageId }, cancellationToken: cancellationToken)) is not null)
        {
            throw NotFound();
        }

        // A file missing from the data directory (restored without it, say) is as gone as a deleted one.
        return (attachment, files.Open(attachment.StorageKey.Split('/')[0]) ?? throw NotFound());
    }

    private async Task RequireQuotaAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Guid caller, long size, CancellationToken cancellationToken)
    {
        if (quotaBytes <= 0)
        {
            return;
        }

        Span<byte> bytes = stackalloc byte[16];
        caller.TryWriteBytes(bytes);
        await WriteLocks.TakeAsync(connection, transaction, BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]) ^ QuotaLockSalt, cancellationToken);
        var used = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT coalesce(sum(a.size_bytes), 0) FROM attachments a LEFT JOIN messages m ON m.id = a.message_id
            WHERE a.uploader_id = @caller AND m.deleted_at IS NULL
            """,
            new { caller },
            transaction,
            cancellationToken: cancellationToken));
        if (used + size > quotaBytes)
        {
            throw new ChatException(ChatErrorKind.Conflict, "quota_exceeded",
                $"This upload would take your stored attachments past the quota of {quotaBytes / (1024 * 1024)} MiB; delete some first.",
                new Dictionary<string, string[]> { ["file"] = ["exceeds your storage quota"] });
        }
    }

    private static async Task<AttachmentView?> FindAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, Guid id, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<AttachmentView>(new CommandDefinition(
            $"SELECT {AttachmentView.Columns} FROM attachments WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    /// <summary>Names from the client are labels only, never paths: anything path-like or unprintable is refused.</summary>
    private static string ValidateFileName(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName) || fileName.Length > 255 || fileName.Any(char.IsControl)
            || fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal) || fileName.Trim() is "." or "..")
        {
            throw ChatException.Invalid("file", "needs a file name of 1 to 255 printable characters without path separators");
        }

        return fileName.Trim();
    }

    private static ChatException TooLarge() => new(ChatErrorKind.Validation, "attachment_too_large", "An attachment is at most 10 MiB.",
        new Dictionary<string, string[]> { ["file"] = ["is larger than 10 MiB"] });

    private static ChatException NotFound() => new(ChatErrorKind.NotFound, "attachment_not_found", "There is no such attachment.");
}
