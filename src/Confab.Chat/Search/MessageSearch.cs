using System.Text;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Search;

/// <summary>
/// Searches the live messages of the caller's conversations, newest first. The matching clause is the one thing
/// that differs per engine, and it is built in one place (<see cref="MatchClause"/>).
/// </summary>
public sealed class MessageSearch(ConfabDatabase database)
{
    private const int SnippetRadius = 60;

    /// <summary>
    /// How far back, in seqs of each conversation, a query made only of terms shorter than
    /// <see cref="SearchQuery.MinIndexedLength"/> looks. No index serves such terms, so without a bound one or two
    /// letters would scan every body of every conversation the caller is in; with it, each conversation costs at most
    /// this many rows, read through the (conversation_id, seq) index.
    /// </summary>
    public int ShortTermWindow { get; init; } = 10_000;

    public async Task<SearchPage> SearchAsync(Guid caller, string? text, Guid? conversationId, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var query = SearchQuery.Parse(text);
        if (limit is < 1 or > 100)
        {
            throw ChatException.Invalid("limit", "must be between 1 and 100");
        }

        var after = cursor is null ? ((DateTime, Guid)?)null : KeysetCursor.Decode(cursor);
        var shortOnly = query.Terms.All(t => SearchQuery.Length(t) < SearchQuery.MinIndexedLength);
        var parameters = new DynamicParameters(new
        {
            caller,
            oneConversation = conversationId is not null,
            conversationId = conversationId ?? Guid.Empty,
            hasCursor = after is not null,
            at = after?.Item1 ?? DateTime.UnixEpoch,
            id = after?.Item2 ?? Guid.Empty,
            take = limit + 1,
            window = ShortTermWindow,
        });
        var sql = $"""
            SELECT m.id AS MessageId, m.conversation_id AS ConversationId, m.seq AS Seq, m.sender_id AS SenderId,
                   m.created_at AS CreatedAt, m.body AS Snippet
            FROM messages m
            JOIN participants p ON p.conversation_id = m.conversation_id AND p.user_id = @caller AND p.left_at IS NULL
            JOIN conversations c ON c.id = m.conversation_id AND c.deleted_at IS NULL
            JOIN users s ON s.id = m.sender_id AND s.erased_at IS NULL
            WHERE m.deleted_at IS NULL AND m.body IS NOT NULL
              AND (NOT @oneConversation OR m.conversation_id = @conversationId)
              {(shortOnly ? "AND m.seq > c.last_seq - @window" : string.Empty)}
              AND (NOT @hasCursor OR m.created_at < @at OR (m.created_at = @at AND m.id < @id))
              AND {MatchClause(database.Engine, query, parameters)}
            ORDER BY m.created_at DESC, m.id DESC
            LIMIT @take
            """;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<SearchHit>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).ToList();
        var page = rows.Take(limit).Select(hit => Highlight(hit, query)).ToList();
        var next = rows.Count > limit ? KeysetCursor.Encode(page[^1].CreatedAt, page[^1].MessageId) : null;
        return new SearchPage(page, next);
    }

    /// <summary>
    /// The condition every term must meet. PostgreSQL: a word-like term as a word prefix through the tsvector index,
    /// any other term as a substring through the trigram index. SQLite: terms of three characters or more as
    /// substrings through the FTS5 trigram table, shorter ones by LIKE over the bodies.
    /// </summary>
    private static string MatchClause(DatabaseEngine engine, SearchQuery query, DynamicParameters parameters)
    {
        var clauses = new List<string>();
        var ftsTerms = new List<string>();
        for (var i = 0; i < query.Terms.Count; i++)
        {
            var term = query.Terms[i];
            if (engine == DatabaseEngine.Postgres && SearchQuery.IsWordLike(term))
            {
                parameters.Add($"w{i}", term.ToLowerInvariant() + ":*");
                clauses.Add($"to_tsvector('simple', coalesce(m.body, '')) @@ to_tsquery('simple', @w{i})");
            }
            else if (engine == DatabaseEngine.Postgres)
            {
                parameters.Add($"t{i}", SearchQuery.Contains(term));
                clauses.Add($"m.body ILIKE @t{i} ESCAPE '\\'");
            }
            else if (SearchQuery.Length(term) >= SearchQuery.MinIndexedLength)
            {
                ftsTerms.Add("\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
            }
            else
            {
                parameters.Add($"t{i}", SearchQuery.Contains(term));
                clauses.Add($"m.body LIKE @t{i} ESCAPE '\\'");
            }
        }

        if (ftsTerms.Count > 0)
        {
            parameters.Add("fts", string.Join(" AND ", ftsTerms));
            clauses.Add("m.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH @fts)");
        }

        return string.Join(" AND ", clauses);
    }

    /// <summary>A window of the body around the first term found, and every term's place in it.</summary>
    private static SearchHit Highlight(SearchHit hit, SearchQuery query)
    {
        var body = hit.Snippet;
        var first = query.Terms.Select(t => body.IndexOf(t, StringComparison.OrdinalIgnoreCase)).Where(i => i >= 0).DefaultIfEmpty(0).Min();
        var start = Math.Max(0, first - SnippetRadius);
        var end = Math.Min(body.Length, first + SnippetRadius);

        // Do not cut a surrogate pair in half.
        if (start > 0 && char.IsLowSurrogate(body[start]))
        {
            start--;
        }

        if (end < body.Length && char.IsLowSurrogate(body[end]))
        {
            end++;
        }

        var snippet = new StringBuilder();
        snippet.Append(start > 0 ? "…" : string.Empty).Append(body, start, end - start).Append(end < body.Length ? "…" : string.Empty);
        var text = snippet.ToString();
        var highlights = new List<Highlight>();
        foreach (var term in query.Terms)
        {
            for (var at = text.IndexOf(term, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(term, at + term.Length, StringComparison.OrdinalIgnoreCase))
            {
                highlights.Add(new Highlight(at, term.Length));
            }
        }

        return hit with { Snippet = text, Highlights = highlights.OrderBy(h => h.Start).ToList() };
    }
}
