using System.Globalization;
using System.Text;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>One failure kind, with the first input that showed it: enough for a developer to reproduce and fix.</summary>
internal sealed class FuzzFailure
{
    public required string Route { get; init; }

    public required string Outcome { get; init; }

    public required string Input { get; init; }

    public required string Response { get; init; }

    public int Count { get; set; }
}

/// <summary>
/// What a run saw: inputs and statuses per route, and failures deduplicated by (route, status or close code, problem
/// code or exception type), each with its first input and response, truncated.
/// </summary>
internal sealed class FuzzReport
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SortedDictionary<string, int>> outcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FuzzFailure> failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> repairs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> requests = new(StringComparer.Ordinal);
    private readonly Queue<string> requestOrder = new();
    private int inputs;

    public int Inputs
    {
        get
        {
            lock (gate)
            {
                return inputs;
            }
        }
    }

    public IReadOnlyCollection<string> Routes
    {
        get
        {
            lock (gate)
            {
                return outcomes.Keys.ToList();
            }
        }
    }

    public IReadOnlyList<FuzzFailure> Failures
    {
        get
        {
            lock (gate)
            {
                return failures.Values.OrderBy(f => f.Route, StringComparer.Ordinal).ThenBy(f => f.Outcome, StringComparer.Ordinal).ToList();
            }
        }
    }

    public static string Truncate(string text, int max = 400) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $"… ({text.Length.ToString(CultureInfo.InvariantCulture)} chars)");

    /// <summary>Bytes as a reader can see them: valid UTF-8 as text, anything else escaped.</summary>
    public static string Show(byte[]? bytes, int max = 300)
    {
        if (bytes is null)
        {
            return "(no body)";
        }

        var text = new StringBuilder();
        var shown = Math.Min(bytes.Length, max);
        var decoded = new UTF8Encoding(false, true);
        try
        {
            text.Append(decoded.GetString(bytes, 0, shown));
        }
        catch (ArgumentException)
        {
            foreach (var b in bytes.AsSpan(0, shown))
            {
                text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}");
            }
        }

        var result = text.ToString().Replace("\0", "\\0", StringComparison.Ordinal);
        return bytes.Length > max ? $"{result}… ({bytes.Length.ToString(CultureInfo.InvariantCulture)} bytes)" : result;
    }

    /// <summary>Remembers which input a request id belongs to, so a server log line can be traced to its input.</summary>
    public void Sent(string requestId, string route, string input)
    {
        lock (gate)
        {
            // The last 150,000 only (a run of 100,000 per engine fits): log lines are matched to inputs after the run.
            requests[requestId] = $"{route}\n{Truncate(input, 240)}";
            requestOrder.Enqueue(requestId);
            if (requestOrder.Count > 150_000)
            {
                requests.Remove(requestOrder.Dequeue());
            }
        }
    }

    public (string Route, string Input)? Request(string requestId)
    {
        lock (gate)
        {
            if (!requests.TryGetValue(requestId, out var entry))
            {
                return null;
            }

            var split = entry.IndexOf('\n', StringComparison.Ordinal);
            return (entry[..split], entry[(split + 1)..]);
        }
    }

    public void Record(string route, string outcome)
    {
        lock (gate)
        {
            inputs++;
            if (!outcomes.TryGetValue(route, out var counts))
            {
                outcomes[route] = counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            }

            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
        }
    }

    public void Fail(string route, string outcome, string input, string response)
    {
        var key = $"{route} | {outcome}";
        lock (gate)
        {
            if (!failures.TryGetValue(key, out var failure))
            {
                failures[key] = failure = new FuzzFailure { Route = route, Outcome = outcome, Input = Truncate(input, 600), Response = Truncate(response, 800) };
            }

            failure.Count++;
        }
    }

    public void Repaired(string what)
    {
        lock (gate)
        {
            repairs[what] = repairs.GetValueOrDefault(what) + 1;
        }
    }

    public string Summary(string engine, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        lock (gate)
        {
            text.Append(CultureInfo.InvariantCulture, $"fuzz on {engine}: {inputs} inputs in {elapsed.TotalSeconds:F0} s over {outcomes.Count} routes and frame types; {failures.Count} distinct failures\n");
            foreach (var (route, counts) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {route,-70} {counts.Values.Sum(),6}  {string.Join(' ', counts.Select(c => $"{c.Key}:{c.Value}"))}\n");
            }

            if (repairs.Count > 0)
            {
                text.Append("  world repairs: ").AppendJoin(", ", repairs.Select(r => $"{r.Key} ×{r.Value}")).Append('\n');
            }
        }

        return text.ToString();
    }

    public string FailureList()
    {
        var text = new StringBuilder();
        foreach (var f in Failures)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n[{f.Route}] {f.Outcome} ×{f.Count}\n    input:    {f.Input.Replace("\n", "\n              ", StringComparison.Ordinal)}\n    response: {f.Response.Replace("\n", "\n              ", StringComparison.Ordinal)}\n");
        }

        return text.ToString();
    }
}
