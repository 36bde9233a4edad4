using System.Diagnostics;

namespace Confab.IntegrationTests;

/// <summary>Runs the real confab executable (built next to the tests) as a separate process.</summary>
internal static class ConfabProcess
{
    public static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        RunAsync(new Dictionary<string, string>(), args);

    public static async Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(environment, args, drain: false);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts confab and leaves it running; the caller reads or drains its output and waits for it.</summary>
    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args, drain: true);

    /// <summary>The same, with extra environment variables.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args) => Start(environment, args, drain: true);

    /// <summary>Starts confab with its output for the caller to read (read it from the start: a full pipe blocks the child).</summary>
    public static Process StartCapturing(params string[] args) => Start(new Dictionary<string, string>(), args, drain: false);

    private static Process Start(IReadOnlyDictionary<string, string> environment, string[] args, bool drain = false)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "confab.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The tests choose the database explicitly; an ambient URL must not leak in.
        start.Environment.Remove("CONFAB_DB");
        start.Environment.Remove("DATABASE_URL");
        start.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        if (drain)
        {
            // A full pipe would block the child; a long-running server's output is not needed.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return process;
    }

    /// <summary>A TCP port that was free a moment ago, for a server under test to listen on.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until a started <c>confab serve</c> answers /readyz with 200 (a minute at most).</summary>
    public static async Task WaitReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/readyz")).StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "the server did not become ready");
            await Task.Delay(200);
        }
    }
}
