using System.Data.Common;
using Dapper;

namespace Confab.Chat.Messages;

/// <summary>A reaction as every member sees it: who reacted with the emoji, in the order they did.</summary>
public sealed record ReactionSummary(string Emoji, int Count, IReadOnlyList<Guid> UserIds);

/// <summary>A file attached to a message, enough to lay it out before fetching it; width and height of images only.</summary>
public sealed record AttachmentSummary(Guid Id, string FileName, string ContentType, long SizeBytes, int? Width, int? Height);

/// <summary>
/// Adds the reactions and attachments to a page of messages with one query per table for the whole page, never one
/// per message: history pages hold up to 200 messages and event pages up to 1000. A tombstone shows neither.
/// </summary>
internal static class MessageDetails
{
    // Every page the API serves fits one statement; the bound stays far below either engine's parameter limit.
    private const int IdsPerStatement = 1000;

    public static async Task<IReadOnlyList<MessageView>> AddAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyList<MessageView> messages, CancellationToken cancellationToken)
    {
        var ids = messages.Where(m => m.DeletedAt is null).Select(m => m.Id).Distinct().ToList();
        if (ids.Count == 0)
        {
            return messages;
        }

        var reactions = new List<ReactionRow>();
        var attachments = new List<AttachmentRow>();
        foreach (var chunk in ids.Chunk(IdsPerStatement))
        {
            var (list, parameters) = IdList(chunk);
            reactions.AddRange(await connection.QueryAsync<ReactionRow>(new CommandDefinition(
                $"SELECT message_id, emoji, user_id, created_at FROM reactions WHERE message_id IN ({list}) ORDER BY created_at, user_id",
                parameters,
                transaction,
                cancellationToken: cancellationToken)));
            attachments.AddRange(await connection.QueryAsync<AttachmentRow>(new CommandDefinition(
                $"""
                SELECT id, message_id, file_name, content_type, size_bytes, width, height FROM attachments
                WHERE message_id IN ({list}) ORDER BY created_at, id
                """,
                parameters,
                transaction,
                cancellationToken: cancellationToken)));
        }

        var reactionsOf = reactions.GroupBy(r => r.MessageId).ToDictionary(g => g.Key, g => Group(g));
        var attachmentsOf = attachments.GroupBy(a => a.MessageId).ToDictionary(g => g.Key, g => (IReadOnlyList<AttachmentSummary>)g.Select(a => a.ToSummary()).ToList());
        return messages.Select(m => m.DeletedAt is not null ? m : m with
        {
            Reactions = reactionsOf.GetValueOrDefault(m.Id, []),
            Attachments = attachmentsOf.GetValueOrDefault(m.Id, []),
        }).ToList();
    }

    public static async Task<MessageView> AddAsync(DbConnection connection, DbTransaction? transaction, MessageView message, CancellationToken cancellationToken) =>
        (await AddAsync(connection, transaction, [message], cancellationToken))[0];

    /// <summary>Groups reactions by emoji in the order each emoji first appeared; rows come ordered by time.</summary>
    private static IReadOnlyList<ReactionSummary> Group(IEnumerable<ReactionRow> rows) =>
        rows.GroupBy(r => r.Emoji, StringComparer.Ordinal)
            .Select(g => new ReactionSummary(g.Key, g.Count(), g.Select(r => r.UserId).ToList()))
            .ToList();

    /// <summary>One named parameter per id: Dapper's own list expansion bypasses the UUID type handler SQLite needs.</summary>
    private static (string List, DynamicParameters Parameters) IdList(IReadOnlyList<Guid> ids)
    {
        var parameters = new DynamicParameters();
        var names = new string[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            names[i] = $"@m{i}";
            parameters.Add($"m{i}", ids[i]);
        }

        return (string.Join(", ", names), parameters);
    }

    private sealed record ReactionRow
    {
        public Guid MessageId { get; init; }

        public string Emoji { get; init; } = string.Empty;

        public Guid UserId { get; init; }

        public DateTime CreatedAt { get; init; }
    }

    private sealed record AttachmentRow
    {
        public Guid Id { get; init; }

        public Guid MessageId { get; init; }

        public string FileName { get; init; } = string.Empty;

        public string ContentType { get; init; } = string.Empty;

        public long SizeBytes { get; init; }

        public int? Width { get; init; }

        public int? Height { get; init; }

        public AttachmentSummary ToSummary()
        {
            var image = ContentType.StartsWith("image/", StringComparison.Ordinal);
            return new AttachmentSummary(Id, FileName, ContentType, SizeBytes, image ? Width : null, image ? Height : null);
        }
    }
}
