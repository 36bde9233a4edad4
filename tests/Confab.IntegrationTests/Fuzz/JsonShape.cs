using System.Text;
using System.Text.Json;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// A JSON value as the fuzzer handles it: objects keep their member order and may hold one key twice, and a leaf is
/// raw bytes, so a value can be something no serializer would write (a lone surrogate escape, invalid UTF-8, 1e400).
/// </summary>
internal abstract record JsonShape
{
    public static JsonShape Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return From(document.RootElement);
    }

    private static JsonShape From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new ObjectShape(element.EnumerateObject().Select(p => (p.Name, From(p.Value))).ToList()),
        JsonValueKind.Array => new ArrayShape(element.EnumerateArray().Select(From).ToList()),
        _ => new RawShape(Encoding.UTF8.GetBytes(element.GetRawText())),
    };

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Write(stream);
        return stream.ToArray();
    }

    public abstract void Write(Stream stream);

    protected static void Put(Stream stream, string text) => stream.Write(Encoding.UTF8.GetBytes(text));
}

internal sealed record RawShape(byte[] Bytes) : JsonShape
{
    public static RawShape Text(string json) => new(Encoding.UTF8.GetBytes(json));

    /// <summary>A JSON string of the given value, escaped as System.Text.Json would escape it.</summary>
    public static RawShape String(string value) => new(JsonSerializer.SerializeToUtf8Bytes(value));

    public string? StringValue
    {
        get
        {
            if (Bytes.Length < 2 || Bytes[0] != (byte)'"')
            {
                return null;
            }

            try
            {
                return JsonSerializer.Deserialize<string>(Bytes);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public override void Write(Stream stream) => stream.Write(Bytes);
}

internal sealed record ObjectShape(List<(string Key, JsonShape Value)> Members) : JsonShape
{
    public override void Write(Stream stream)
    {
        stream.WriteByte((byte)'{');
        for (var i = 0; i < Members.Count; i++)
        {
            if (i > 0)
            {
                stream.WriteByte((byte)',');
            }

            stream.Write(JsonSerializer.SerializeToUtf8Bytes(Members[i].Key));
            stream.WriteByte((byte)':');
            Members[i].Value.Write(stream);
        }

        stream.WriteByte((byte)'}');
    }
}

internal sealed record ArrayShape(List<JsonShape> Items) : JsonShape
{
    public override void Write(Stream stream)
    {
        stream.WriteByte((byte)'[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                stream.WriteByte((byte)',');
            }

            Items[i].Write(stream);
        }

        stream.WriteByte((byte)']');
    }
}
