using System.Text.RegularExpressions;
using Confab.Chat.Messages;
using Confab.IntegrationTests.Server;
using Dapper;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// What must hold in the database after any sequence of requests: every conversation's counters equal its event log
/// and its messages, watermarks within the log, direct conversations of exactly their two members, and no row the API
/// would refuse to write (the rules of DESIGN.md and the edge validation, written out again strictly here so that a
/// lax rule at the edge, such as a <c>$</c> that matches before a trailing newline, shows up instead of hiding).
/// </summary>
internal static partial class DatabaseInvariants
{
    public static async Task<IReadOnlyList<string>> ViolationsAsync(ServerHost server)
    {
        var violations = new List<string>();
        await using var database = server.Database.Open();
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);

        foreach (var c in await connection.QueryAsync<ConversationRow>(
            """
            SELECT c.id AS Id, c.kind AS Kind, c.title AS Title, CAST(c.settings AS text) AS Settings, c.last_seq AS LastSeq, c.message_count AS MessageCount,
                   c.direct_user_low AS Low, c.direct_user_high AS High,
                   CASE WHEN c.deleted_at IS NULL THEN 0 ELSE 1 END AS Deleted,
                   (SELECT coalesce(max(e.seq), 0) FROM conversation_events e WHERE e.conversation_id = c.id) AS MaxEventSeq,
                   (SELECT count(*) FROM conversation_events e WHERE e.conversation_id = c.id) AS Events,
                   (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS Messages,
                   (SELECT coalesce(max(m.message_number), 0) FROM messages m WHERE m.conversation_id = c.id) AS MaxMessageNumber,
                   (SELECT count(*) FROM participants p WHERE p.conversation_id = c.id AND p.left_at IS NULL) AS Members,
                   (SELECT count(*) FROM users u WHERE u.id IN (c.direct_user_low, c.direct_user_high) AND u.erased_at IS NULL) AS LivePair,
                   (SELECT count(*) FROM participants p WHERE p.conversation_id = c.id AND p.left_at IS NULL AND p.role = 'owner') AS Owners
            FROM conversations c
            """))
        {
            var at = $"conversation {c.Id} ({c.Kind})";
            Check(violations, c.LastSeq == c.MaxEventSeq, $"{at}: last_seq {c.LastSeq} but its newest event is seq {c.MaxEventSeq}");
            Check(violations, c.Events == c.LastSeq, $"{at}: last_seq {c.LastSeq} but it has {c.Events} events (a gap or a duplicate)");
            Check(violations, c.MessageCount == c.Messages, $"{at}: message_count {c.MessageCount} but it has {c.Messages} messages");
            Check(violations, c.MaxMessageNumber == c.Messages, $"{at}: newest message_number {c.MaxMessageNumber} but it has {c.Messages} messages");
            Text(violations, $"{at} title", c.Title, 200);
            if (c.Kind == "direct")
            {
                // Both members, less any whose account was erased (erasure leaves its conversations; the other side keeps the history).
                Check(violations, c.Deleted == 1 || c.Members == c.LivePair, $"{at}: a direct conversation with {c.Members} current members and {c.LivePair} live accounts of its pair");
            }
            else if (c.Deleted == 0)
            {
                Check(violations, !string.IsNullOrWhiteSpace(c.Title), $"{at}: a group without a title");
                Check(violations, c.Members == 0 || c.Owners >= 1, $"{at}: {c.Members} members and no owner");
            }

            Check(violations, (c.Settings?.Length ?? 0) <= 16_384, $"{at}: settings of {c.Settings?.Length} characters (the API takes 16 KiB)");
        }

        foreach (var p in await connection.QueryAsync<ParticipantRow>(
            """
            SELECT p.conversation_id AS ConversationId, p.user_id AS UserId, p.last_read_seq AS LastReadSeq,
                   p.last_delivered_seq AS LastDeliveredSeq, p.last_read_message_count AS LastReadMessageCount, p.joined_seq AS JoinedSeq,
                   c.last_seq AS LastSeq, c.message_count AS MessageCount, c.kind AS Kind,
                   c.direct_user_low AS Low, c.direct_user_high AS High
            FROM participants p JOIN conversations c ON c.id = p.conversation_id
            """))
        {
            var at = $"participant {p.UserId} of {p.ConversationId}";
            Check(violations, p.LastReadSeq <= p.LastSeq, $"{at}: read up to seq {p.LastReadSeq} beyond the conversation's last seq {p.LastSeq}");
            Check(violations, p.LastDeliveredSeq <= p.LastSeq, $"{at}: delivered up to seq {p.LastDeliveredSeq} beyond the last seq {p.LastSeq}");
            Check(violations, p.LastReadMessageCount <= p.MessageCount, $"{at}: read {p.LastReadMessageCount} messages of {p.MessageCount}");
            Check(violations, p.JoinedSeq <= p.LastSeq, $"{at}: joined at seq {p.JoinedSeq} beyond the last seq {p.LastSeq}");
            Check(violations, p.Kind != "direct" || Same(p.UserId, p.Low) || Same(p.UserId, p.High), $"{at}: a member of a direct conversation between two others");
        }

        foreach (var id in await connection.QueryAsync<Guid>(
            """
            SELECT m.id FROM messages m
            WHERE NOT EXISTS (SELECT 1 FROM conversation_events e WHERE e.conversation_id = m.conversation_id AND e.seq = m.seq AND e.kind = 'message.created')
            """))
        {
            violations.Add($"message {id}: no message.created event at its seq");
        }

        foreach (var m in await connection.QueryAsync<MessageRow>(
            """
            SELECT id AS Id, kind AS Kind, body AS Body, client_msg_id AS ClientMsgId, CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END AS Deleted
            FROM messages
            """))
        {
            var at = $"message {m.Id}";
            Text(violations, $"{at} body", m.Body, 10_000, allowLines: true);
            Check(violations, m.Deleted == 1 || m.Kind != "text" || !string.IsNullOrWhiteSpace(m.Body), $"{at}: a live text message with a blank body");
            Text(violations, $"{at} clientMsgId", m.ClientMsgId, 100);
            Check(violations, m.ClientMsgId is null || m.ClientMsgId.Length > 0, $"{at}: an empty clientMsgId");
        }

        foreach (var e in await connection.QueryAsync<IdText>("SELECT message_id AS Id, previous_body AS Text FROM message_edits"))
        {
            Text(violations, $"edit of {e.Id} previous body", e.Text, 10_000, allowLines: true);
        }

        foreach (var u in await connection.QueryAsync<UserRow>(
            """
            SELECT id AS Id, username AS Username, email AS Email, display_name AS DisplayName, bio AS Bio,
                   status_message AS StatusMessage, avatar_url AS AvatarUrl, CASE WHEN erased_at IS NULL THEN 0 ELSE 1 END AS Erased
            FROM users
            """))
        {
            var at = $"user {u.Id}";
            Check(violations, UsernameRule().IsMatch(u.Username), $"{at}: username {Shown(u.Username)} breaks ^[A-Za-z0-9_]{{3,50}}$");
            if (u.Erased == 0)
            {
                Check(violations, u.Email is not null && u.Email.Length <= 254 && EmailRule().IsMatch(u.Email), $"{at}: e-mail {Shown(u.Email)} is not one the API takes");
                Check(violations, !string.IsNullOrWhiteSpace(u.DisplayName), $"{at}: a blank display name");
                Text(violations, $"{at} display name", u.DisplayName, 100);
                Text(violations, $"{at} bio", u.Bio, 500, allowLines: true);
                Text(violations, $"{at} status message", u.StatusMessage, 140);
                Check(violations, u.AvatarUrl is null || UploadedAvatar(server, u.AvatarUrl)
                    || (u.AvatarUrl.Length <= 2048 && Uri.TryCreate(u.AvatarUrl, UriKind.Absolute, out var avatar) && avatar.Scheme is "http" or "https"),
                    $"{at}: avatar URL {Shown(u.AvatarUrl)} is neither an absolute http(s) URL nor a picture stored by an upload");
            }
        }

        var emails = await connection.QueryAsync<string>("SELECT email FROM users WHERE email IS NOT NULL");
        foreach (var duplicate in emails.GroupBy(e => e.Trim().ToUpperInvariant(), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            violations.Add($"users: {duplicate.Count()} accounts for one e-mail once case and surrounding white space are ignored: {string.Join(", ", duplicate.Select(Shown))}");
        }

        foreach (var r in await connection.QueryAsync<IdText>("SELECT message_id AS Id, emoji AS Text FROM reactions"))
        {
            Check(violations, Emoji.IsReaction(r.Text ?? ""), $"reaction on {r.Id}: {Shown(r.Text)} is not a reaction the API takes");
        }

        foreach (var d in await connection.QueryAsync<IdText>("SELECT id AS Id, name AS Text FROM devices"))
        {
            Text(violations, $"device {d.Id} name", d.Text, 100);
            Check(violations, !string.IsNullOrWhiteSpace(d.Text), $"device {d.Id}: a blank name");
        }

        foreach (var a in await connection.QueryAsync<IdText>("SELECT id AS Id, file_name AS Text FROM attachments"))
        {
            var name = a.Text ?? "";
            Text(violations, $"attachment {a.Id} file name", name, 255);
            Check(violations, !name.Contains('/', StringComparison.Ordinal) && !name.Contains('\\', StringComparison.Ordinal) && name.Trim() is not ("" or "." or ".."),
                $"attachment {a.Id}: file name {Shown(name)} is a path");
        }

        foreach (var s in await connection.QueryAsync<IdText>("SELECT id AS Id, device_name AS Text FROM auth_sessions"))
        {
            Text(violations, $"session {s.Id} device name", s.Text, 100);
        }

        return violations;
    }

    /// <summary>Within <paramref name="max"/> code points, no NUL, no lone surrogate, no control characters (line breaks only where text has lines).</summary>
    private static void Text(List<string> violations, string what, string? value, int max, bool allowLines = false)
    {
        if (value is null)
        {
            return;
        }

        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (char.IsHighSurrogate(ch) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(ch))
            {
                violations.Add($"{what}: a lone surrogate U+{(int)ch:X4} at {i}");
                return;
            }
            else if (ch == '\0')
            {
                violations.Add($"{what}: NUL at {i}");
                return;
            }
            else if (char.IsControl(ch) && !(allowLines && ch is '\n' or '\r' or '\t'))
            {
                violations.Add($"{what}: control character U+{(int)ch:X4} at {i}");
                return;
            }

            length++;
        }

        Check(violations, length <= max, $"{what}: {length} characters (at most {max})");
    }

    private static void Check(List<string> violations, bool holds, string violation)
    {
        if (!holds)
        {
            violations.Add(violation);
        }
    }

    private static bool Same(Guid a, Guid? b) => a == b;

    private static string Shown(string? value) => value is null ? "(null)" : System.Text.Json.JsonSerializer.Serialize(FuzzReport.Truncate(value, 80));

    [GeneratedRegex(@"\A[A-Za-z0-9_]{3,50}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UsernameRule();

    [GeneratedRegex(@"\A[^@\s]{1,64}@[^@\s]+\.[^@\s]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex EmailRule();

    private sealed class ConversationRow
    {
        public Guid Id { get; set; }

        public string Kind { get; set; } = "";

        public string? Title { get; set; }

        public string? Settings { get; set; }

        public long LastSeq { get; set; }

        public long MessageCount { get; set; }

        public long Deleted { get; set; }

        public long MaxEventSeq { get; set; }

        public long Events { get; set; }

        public long Messages { get; set; }

        public long MaxMessageNumber { get; set; }

        public long Members { get; set; }

        public long LivePair { get; set; }

        public long Owners { get; set; }
    }

    private sealed class ParticipantRow
    {
        public Guid ConversationId { get; set; }

        public Guid UserId { get; set; }

        public long LastReadSeq { get; set; }

        public long LastDeliveredSeq { get; set; }

        public long LastReadMessageCount { get; set; }

        public long JoinedSeq { get; set; }

        public long LastSeq { get; set; }

        public long MessageCount { get; set; }

        public string Kind { get; set; } = "";

        public Guid? Low { get; set; }

        public Guid? High { get; set; }
    }

    private sealed class MessageRow
    {
        public Guid Id { get; set; }

        public string Kind { get; set; } = "";

        public string? Body { get; set; }

        public string? ClientMsgId { get; set; }

        public long Deleted { get; set; }
    }

    private sealed class UserRow
    {
        public Guid Id { get; set; }

        public string Username { get; set; } = "";

        public string? Email { get; set; }

        public string DisplayName { get; set; } = "";

        public string? Bio { get; set; }

        public string? StatusMessage { get; set; }

        public string? AvatarUrl { get; set; }

        public long Erased { get; set; }
    }

    /// <summary>The server path of an uploaded picture, whose file is in the data directory under that name.</summary>
    private static bool UploadedAvatar(ServerHost server, string url)
    {
        var key = url.StartsWith("/api/v1/avatars/", StringComparison.Ordinal) ? url["/api/v1/avatars/".Length..] : string.Empty;
        return key.Length == 64 && key.All(char.IsAsciiHexDigitLower) && File.Exists(Path.Combine(server.DataDir, "avatars", key[..2], key[2..4], key));
    }

    private sealed class IdText
    {
        public Guid Id { get; set; }

        public string? Text { get; set; }
    }
}
