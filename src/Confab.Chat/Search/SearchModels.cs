namespace Confab.Chat.Search;

/// <summary>A message that matched, with a snippet of its body and where the terms are in the snippet.</summary>
public sealed record SearchHit
{
    public Guid MessageId { get; init; }

    public Guid ConversationId { get; init; }

    public long Seq { get; init; }

    public Guid? SenderId { get; init; }

    public DateTime CreatedAt { get; init; }

    public string Snippet { get; init; } = string.Empty;

    /// <summary>Where the terms stand in <see cref="Snippet"/>, as UTF-16 offsets and lengths (as JavaScript counts).</summary>
    public IReadOnlyList<Highlight> Highlights { get; init; } = [];
}

public sealed record Highlight(int Start, int Length);

public sealed record SearchPage(IReadOnlyList<SearchHit> Items, string? NextCursor);
