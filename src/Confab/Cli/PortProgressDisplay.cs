using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confab.Tools.Port;
using Spectre.Console;

namespace Confab.Cli;

/// <summary>
/// Shows a port's progress: on a terminal a bar per table or build (rows, rows/s, time left); into a pipe or a
/// file one line per phase and per finished item, so logs read well.
/// </summary>
internal sealed class PortProgressDisplay(CliContext context, ProgressContext? bars) : IPortProgress
{
    private readonly ConcurrentDictionary<string, (ProgressTask? Task, Stopwatch Clock, long Done)> items = new(StringComparer.Ordinal);

    public void PhaseStarted(string phase)
    {
        if (bars is null)
        {
            context.Line($"[bold]{CliOutput.Esc(phase)}[/]");
        }
    }

    public void WorkStarted(string phase, string item, long total)
    {
        var task = bars?.AddTask($"{phase} {CliOutput.Esc(item)}", maxValue: Math.Max(1, total));
        if (task is not null && total < 0)
        {
            task.IsIndeterminate = true;
        }

        items[phase + "/" + item] = (task, Stopwatch.StartNew(), 0);
    }

    public void Advanced(string phase, string item, long done)
    {
        if (items.TryGetValue(phase + "/" + item, out var entry))
        {
            items[phase + "/" + item] = entry with { Done = done };
            if (entry.Task is { } task)
            {
                task.MaxValue = Math.Max(task.MaxValue, done);
                task.Value = done;
            }
        }
    }

    public void WorkFinished(string phase, string item)
    {
        if (!items.TryRemove(phase + "/" + item, out var entry))
        {
            return;
        }

        if (entry.Task is { } task)
        {
            task.Value = task.MaxValue;
            task.StopTask();
            return;
        }

        var seconds = entry.Clock.Elapsed.TotalSeconds;
        context.Line(CliOutput.Esc(string.Create(CultureInfo.InvariantCulture,
            $"  {item}: {(entry.Done > 1 ? $"{entry.Done:N0} rows, {entry.Done / Math.Max(seconds, 0.001):N0} rows/s, " : string.Empty)}{seconds:0.0} s")));
    }
}
