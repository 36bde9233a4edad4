using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using Confab.Chat.Audit;
using Confab.Chat.Sessions;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Accounts;

/// <summary>Everything an account holds, as its owner may take it away.</summary>
public sealed record ExportArchive(
    DateTime ExportedAt,
    UserAccount Profile,
    IReadOnlyList<SessionInfo> Sessions,
    IReadOnlyList<ExportContact> Contacts,
    IReadOnlyList<ExportConversation> Conversations,
    IReadOnlyList<ExportMessage> Messages,
    IReadOnlyList<ExportReaction> Reactions,
    IReadOnlyList<ExportAttachment> Attachments);

public sealed record ExportContact
{
    public Guid UserId { get; init; }

    public string Username { get; init; } = string.Empty;

    public string Status { get; init; } = string.Empty;

    public DateTime CreatedAt { get; init; }
}

public sealed record ExportConversation
{
    public Guid Id { get; init; }

    public string Kind { get; init; } = string.Empty;

    public string? Title { get; init; }

    public string Role { get; init; } = string.Empty;

    public DateTime JoinedAt { get; init; }

    public DateTime? LeftAt { get; init; }
}

/// <summary>
/// A message of the account as stored. Not the API's message: its reactions and attachments are the account's own
/// and have their lists in the archive, so a message here carries none, rather than an empty list that would mislead.
/// </summary>
public sealed record ExportMessage
{
    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    public long Seq { get; init; }

    public Guid? SenderId { get; init; }

    public string? ClientMsgId { get; init; }

    public string Kind { get; init; } = "text";

    public string? Body { get; init; }

    public byte[]? Ciphertext { get; init; }

    public Guid? ReplyToId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? EditedAt { get; init; }

    public DateTime? DeletedAt { get; init; }
}

public sealed record ExportReaction
{
    public Guid MessageId { get; init; }

    public string Emoji { get; init; } = string.Empty;

    public DateTime CreatedAt { get; init; }
}

public sealed record ExportAttachment
{
    public Guid Id { get; init; }

    public Guid? ConversationId { get; init; }

    public Guid? MessageId { get; init; }

    public string FileName { get; init; } = string.Empty;

    public string ContentType { get; init; } = string.Empty;

    public long SizeBytes { get; init; }

    public byte[] Sha256 { get; init; } = [];

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// Writes a user's data export — profile, sessions, contacts, conversations, their messages, reactions and attachment
/// metadata — as one JSON document in the shape of <see cref="ExportArchive"/>. Rows are streamed from the database to
/// the output as they are read, so an account with years of messages costs a buffer, not its whole history in memory.
/// </summary>
public sealed class AccountExporter(ConfabDatabase database, AccountStore accounts, SessionStore sessions, TimeProvider clock)
{
    private const int FlushEvery = 200;

    public async Task ExportAsync(AuthenticatedSession caller, ClientInfo client, Stream output, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(json);
        var userId = caller.UserId;
        var profile = await accounts.GetAsync(userId, cancellationToken);
        var live = await sessions.ListAsync(userId, caller.SessionId, cancellationToken);

        // Audited before the first byte goes out: once the response has started it can no longer become an error.
        await database.WriteAsync(
            async (c, t) =>
            {
                await AuditLog.RecordAsync(c, t, userId, "account.exported", client, AuditSeverity.Notice, "user", userId.ToString(), cancellationToken: cancellationToken);
                return 0;
            },
            cancellationToken);

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // The writer fills a buffer that is drained to the output asynchronously: serializing straight into the
        // response would flush it synchronously, which the server refuses.
        var buffer = new ArrayBufferWriter<byte>();
        await using var writer = new Utf8JsonWriter(buffer);
        var args = new { userId };
        writer.WriteStartObject();
        Write(writer, json, nameof(ExportArchive.ExportedAt), clock.Now());
        Write(writer, json, nameof(ExportArchive.Profile), profile);
        Write(writer, json, nameof(ExportArchive.Sessions), live);
        await WriteRowsAsync<ExportContact>(writer, buffer, output, json, nameof(ExportArchive.Contacts), connection,
            """
            SELECT u.id AS UserId, u.username AS Username, c.status AS Status, c.created_at AS CreatedAt
            FROM contacts c JOIN users u ON u.id = CASE WHEN c.user_low = @userId THEN c.user_high ELSE c.user_low END
            WHERE (c.user_low = @userId OR c.user_high = @userId) AND (c.status <> 'blocked' OR c.blocked_by = @userId)
            ORDER BY u.username
            """, args, cancellationToken);
        await WriteRowsAsync<ExportConversation>(writer, buffer, output, json, nameof(ExportArchive.Conversations), connection,
            """
            SELECT c.id AS Id, c.kind AS Kind, c.title AS Title, p.role AS Role, p.joined_at AS JoinedAt, p.left_at AS LeftAt
            FROM participants p JOIN conversations c ON c.id = p.conversation_id
            WHERE p.user_id = @userId ORDER BY p.joined_at
            """, args, cancellationToken);
        await WriteRowsAsync<ExportMessage>(writer, buffer, output, json, nameof(ExportArchive.Messages), connection,
            $"SELECT {Messages.MessageView.Columns} FROM messages WHERE sender_id = @userId ORDER BY created_at, id", args, cancellationToken);
        await WriteRowsAsync<ExportReaction>(writer, buffer, output, json, nameof(ExportArchive.Reactions), connection,
            "SELECT message_id AS MessageId, emoji AS Emoji, created_at AS CreatedAt FROM reactions WHERE user_id = @userId ORDER BY created_at",
            args, cancellationToken);
        await WriteRowsAsync<ExportAttachment>(writer, buffer, output, json, nameof(ExportArchive.Attachments), connection,
            """
            SELECT id AS Id, conversation_id AS ConversationId, message_id AS MessageId, file_name AS FileName, content_type AS ContentType,
                   size_bytes AS SizeBytes, sha256 AS Sha256, created_at AS CreatedAt
            FROM attachments WHERE uploader_id = @userId ORDER BY created_at
            """, args, cancellationToken);
        writer.WriteEndObject();
        await DrainAsync(writer, buffer, output, cancellationToken);
    }

    private static async Task DrainAsync(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, Stream output, CancellationToken cancellationToken)
    {
        writer.Flush();
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        buffer.ResetWrittenCount();
    }

    private static void Write<T>(Utf8JsonWriter writer, JsonSerializerOptions json, string name, T value)
    {
        writer.WritePropertyName(json.PropertyNamingPolicy?.ConvertName(name) ?? name);
        JsonSerializer.Serialize(writer, value, json);
    }

    private static async Task WriteRowsAsync<T>(
        Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, Stream output, JsonSerializerOptions json, string name, DbConnection connection, string sql, object args,
        CancellationToken cancellationToken)
    {
        writer.WritePropertyName(json.PropertyNamingPolicy?.ConvertName(name) ?? name);
        writer.WriteStartArray();
        var count = 0;
        await foreach (var row in connection.QueryUnbufferedAsync<T>(sql, args).WithCancellation(cancellationToken))
        {
            JsonSerializer.Serialize(writer, row, json);
            if (++count % FlushEvery == 0)
            {
                await DrainAsync(writer, buffer, output, cancellationToken);
            }
        }

        writer.WriteEndArray();
    }
}
