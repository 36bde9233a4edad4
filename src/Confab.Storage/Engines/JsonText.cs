namespace Confab.Storage.Engines;

/// <summary>A JSON document as text; sent as jsonb to PostgreSQL and as text to SQLite.</summary>
public readonly record struct JsonText(string Text)
{
    public static readonly JsonText EmptyObject = new("{}");

    public override string ToString() => Text;
}
