using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Confab.Cli;

/// <summary>Plain and JSON output shared by the verbs.</summary>
internal static class CliOutput
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes text as is: no markup, no wrapping (SQL, JSON).</summary>
    public static void Raw(this CliContext context, string text) => context.Out.Profile.Out.Writer.Write(text);

    public static void RawLine(this CliContext context, string text = "") => context.Out.Profile.Out.Writer.WriteLine(text);

    public static void WriteJson<T>(this CliContext context, T value) => context.RawLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A line of text with Spectre markup; the values it interpolates must be escaped by the caller.</summary>
    public static void Line(this CliContext context, string markup) => context.Out.MarkupLine(markup);

    public static string Esc(object? value) => Markup.Escape(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);

    public static string Duration(long? ms) => ms switch
    {
        null => string.Empty,
        < 1000 => $"{ms} ms",
        _ => $"{ms / 1000.0:0.0} s",
    };

    public static string Instant(DateTime? value) =>
        value?.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
}
