using System.Security.Cryptography;
using Confab.Chat.Conversations;
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
public sealed class AttachmentStore(ConfabDatabase database, TimeProvider clock, string dataDirectory)
{
    public const long MaxBytes = 10 * 1024 * 1024;

    private readonly string root = Path.GetFullPath(Path.Combine(dataDirectory, "attachments"));

    public async Task<AttachmentView> UploadAsync(Guid caller, Guid conversationId, string? fileName, string? declaredType, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = ValidateFileName(fileName);
        await using (var check = await database.OpenConnectionAsync(cancellationToken))
        {
            await Membership.RequireAsync(check, null, conversationId, caller, cancellationToken);
        }

        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        var temp = Path.Combine(root, "tmp", Guid.NewGuid().ToString("N"));
        try
        {
            var (size, hash, head) = await CopyAsync(content, temp, cancellationToken);
            var type = ContentSniffer.Sniff(head, complete: size <= head.Length)
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

            var key = Convert.ToHexStringLower(hash);
            var final = PathFor(key);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            if (!File.Exists(final))
            {
                File.Move(temp, final, overwrite: true);
            }

            var dimensions = ContentSniffer.Dimensions(type, head);
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await Membership.RequireAsync(connection, transaction, conversationId, caller, cancellationToken);
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
                    return await FindAsync(connection, transaction, id, cancellationToken) ?? throw new InvalidOperationException("the attachment vanished");
                },
                cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }
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

        var path = PathFor(attachment.StorageKey.Split('/')[0]);
        return (attachment, new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
    }

    private static async Task<AttachmentView?> FindAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, Guid id, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<AttachmentView>(new CommandDefinition(
            $"SELECT {AttachmentView.Columns} FROM attachments WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    private static async Task<(long Size, byte[] Hash, byte[] Head)> CopyAsync(Stream content, string path, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = new MemoryStream();
        var buffer = new byte[81920];
        long size = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, buffer.Length, useAsync: true))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > MaxBytes)
                {
                    throw new ChatException(ChatErrorKind.Validation, "attachment_too_large", "An attachment is at most 10 MiB.",
                        new Dictionary<string, string[]> { ["file"] = ["is larger than 10 MiB"] });
                }

                if (head.Length < ContentSniffer.HeaderLength)
                {
                    head.Write(buffer, 0, (int)Math.Min(read, ContentSniffer.HeaderLength - head.Length));
                }

                sha.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            await file.FlushAsync(cancellationToken);
        }

        if (size == 0)
        {
            throw ChatException.Invalid("file", "is empty");
        }

        return (size, sha.GetHashAndReset(), head.ToArray());
    }

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

    private string PathFor(string hexHash) => Path.Combine(root, hexHash[..2], hexHash[2..4], hexHash);

    private static ChatException NotFound() => new(ChatErrorKind.NotFound, "attachment_not_found", "There is no such attachment.");
}
