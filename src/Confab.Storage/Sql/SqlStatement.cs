namespace Confab.Storage.Sql;

/// <summary>One statement of a script, with the line it starts on (1-based) for error reports.</summary>
public sealed record SqlStatement(string Text, int Line)
{
    /// <summary>The first line of the statement, shortened, for one-line reports.</summary>
    public string Summary
    {
        get
        {
            var first = Text.AsSpan().TrimStart();
            var end = first.IndexOfAny('\r', '\n');
            var line = (end >= 0 ? first[..end] : first).ToString();
            return line.Length > 120 ? line[..117] + "..." : line;
        }
    }
}
