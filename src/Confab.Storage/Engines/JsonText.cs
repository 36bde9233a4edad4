using System.Text.Json;
using System.Text.Json.Serialization;

namespace Confab.Storage.Engines;

/// <summary>A JSON document as text; sent as jsonb to PostgreSQL and as text to SQLite, and serialised as itself.</summary>
[JsonConverter(typeof(JsonTextConverter))]
public readonly record struct JsonText(string Text)
{
    public static readonly JsonText EmptyObject = new("{}");

    public override string ToString() => Text;

    private sealed class JsonTextConverter : JsonConverter<JsonText>
    {
        public override JsonText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return new JsonText(document.RootElement.GetRawText());
        }

        public override void Write(Utf8JsonWriter writer, JsonText value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Text ?? "null");
    }
}
