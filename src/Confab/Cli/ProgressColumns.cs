using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Confab.Cli;

/// <summary>Items per second, as a progress bar's rate column.</summary>
internal sealed class RateColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Speed ?? 0:N0}/s"));
}

/// <summary>Rows done and rows per second, as a port's rate column.</summary>
internal sealed class RowsColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:N0} rows {task.Speed ?? 0:N0}/s"));
}
