using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confab.IntegrationTests.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// Hostile input on every mapped REST route and every client frame type, on both engines: no 5xx (but the documented
/// 503 unavailable), no socket torn down or closed with 1011, no Error or Critical line in the server's log, and the
/// database's invariants intact afterwards. CONFAB_FUZZ_INPUTS sets the number of inputs per engine (3,000 by
/// default, which keeps the whole suite well inside CI's time; the full run is CONFAB_FUZZ_INPUTS=100000),
/// CONFAB_FUZZ_SEED the seed. Run alone with --filter "Category=Fuzz"; leave out with "Category!=Fuzz".
/// </summary>
[Trait("Category", "Fuzz")]
public class FuzzTests(ITestOutputHelper output)
{
    private const int RestLanes = 3;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        // Limits that would turn most inputs into 429s before they reach a handler; the limits have tests of their own.
        ["Auth:AttemptsPerIpPerMinute"] = "10000",
        ["Auth:SendsPerUserPerMinute"] = "100000",
        ["Auth:UploadsPerUserPerMinute"] = "10000",
        ["Auth:AccessTokenMinutes"] = "60",
    };

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Hostile_input_on_every_route_and_frame_type_gets_no_server_error_and_leaves_the_database_consistent(string engine)
    {
        var total = Setting("CONFAB_FUZZ_INPUTS", 3_000);
        var seed = Setting("CONFAB_FUZZ_SEED", 12);
        await using var server = await ServerHost.StartAsync(engine, Settings);
        var capture = new ServerLogCapture();
        server.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        var routes = FuzzRoute.FromServer(server.Services);
        var report = new FuzzReport();
        var clock = Stopwatch.StartNew();

        // The first account is the administrator: registered before any lane's world.
        var admin = await FuzzWorld.RegisterAsync(server, "fzadmin");
        using var http = new HttpMessageInvoker(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        var restShare = total * 4 / 5 / RestLanes;
        var lanes = Enumerable.Range(0, RestLanes).Select(async lane =>
        {
            var world = await FuzzWorld.CreateAsync(server, admin, $"fz{lane}");
            await new RestFuzzer(http, server.Client.BaseAddress!, report).RunAsync(world, routes, $"r{lane}", seed + lane, restShare);
        }).ToList();
        lanes.Add(Task.Run(async () =>
        {
            var world = await FuzzWorld.CreateAsync(server, admin, "fzs");
            await new SocketFuzzer(server.Client.BaseAddress!, report).RunAsync(world, "s", seed + 100, total - (restShare * RestLanes));
        }));
        await Task.WhenAll(lanes);
        var elapsed = clock.Elapsed;

        // Log lines of the last inputs may still be on their way.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var logged = LogFailures(capture.Entries, report);
        var violations = await DatabaseInvariants.ViolationsAsync(server);
        var unexercised = routes.Select(r => r.Key).Concat(SocketFuzzer.Frames.Keys.Select(k => $"socket {k}")).Append("socket hello")
            .Except(report.Routes, StringComparer.Ordinal).ToList();
        var untemplated = routes.Where(r => r.Body == BodyKind.Json && !ValidRequests.HasTemplate(r.Key)).Select(r => r.Key).ToList();

        var summary = new StringBuilder(report.Summary(engine, elapsed));
        summary.Append(CultureInfo.InvariantCulture, $"\n{report.Failures.Count} distinct failing responses or frames:{report.FailureList()}\n");
        summary.Append(CultureInfo.InvariantCulture, $"\n{logged.Count} distinct Error/Critical log lines:\n").AppendJoin("\n", logged).Append('\n');
        summary.Append(CultureInfo.InvariantCulture, $"\n{violations.Count} database invariant violations:\n").AppendJoin("\n", violations.Take(200)).Append('\n');
        if (unexercised.Count > 0)
        {
            summary.Append("\nnever exercised: ").AppendJoin(", ", unexercised).Append('\n');
        }

        if (untemplated.Count > 0)
        {
            summary.Append("\nroutes with a JSON body but no valid template in ValidRequests: ").AppendJoin(", ", untemplated).Append('\n');
        }

        output.WriteLine(summary.ToString());
        Assert.True(
            report.Failures.Count == 0 && logged.Count == 0 && violations.Count == 0 && unexercised.Count == 0 && untemplated.Count == 0 && report.Inputs >= total,
            summary.ToString());
    }

    /// <summary>Error and Critical lines, traced to their input by the request id the fuzzer sent, deduplicated by (route, exception, origin).</summary>
    private static List<string> LogFailures(IReadOnlyList<ServerLogEntry> entries, FuzzReport report)
    {
        var distinct = new Dictionary<string, (int Count, string Example)>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var traced = entry.ClientRequestId is { } id ? report.Request(id) : null;
            var route = traced?.Route ?? $"(request {entry.RequestPath ?? "none"})";
            var key = $"[{route}] {entry.ExceptionType} at {entry.Origin}";
            if (distinct.TryGetValue(key, out var seen))
            {
                distinct[key] = (seen.Count + 1, seen.Example);
                continue;
            }

            var exception = entry.Exception is null ? "" : $"\n    exception: {FuzzReport.Truncate(entry.Exception.GetType().FullName + ": " + entry.Exception.Message, 400)}";
            var inner = entry.Exception?.InnerException is { } e ? $"\n    inner:     {FuzzReport.Truncate(e.GetType().FullName + ": " + e.Message, 400)}" : "";
            distinct[key] = (1, $"    {entry.Level} {entry.Category}[{entry.EventId.Id}]: {FuzzReport.Truncate(entry.Message, 200)}{exception}{inner}\n    input:     {traced?.Input ?? "(not traced to an input)"}");
        }

        return distinct.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"\n{d.Key} ×{d.Value.Count}\n{d.Value.Example}").ToList();
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
