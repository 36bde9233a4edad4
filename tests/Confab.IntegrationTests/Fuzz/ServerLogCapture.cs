using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>An Error or Critical line the in-process server wrote, with the request it was written for.</summary>
internal sealed record ServerLogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, string? ClientRequestId, string? RequestId, string? RequestPath)
{
    /// <summary>Where in Confab's code the exception was thrown: the first frame of ours on its stack (inner exceptions first).</summary>
    public string Origin
    {
        get
        {
            for (var e = Exception; e is not null; e = e.InnerException)
            {
                var ours = e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at Confab.", StringComparison.Ordinal));
                if (ours is not null)
                {
                    var source = e.StackTrace!.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("at Confab.", StringComparison.Ordinal));
                    return source.Length > 300 ? source[..300] : source;
                }
            }

            return "(no Confab frame)";
        }
    }

    public string ExceptionType
    {
        get
        {
            var types = new List<string>();
            for (var e = Exception; e is not null; e = e.InnerException)
            {
                types.Add(e.GetType().Name);
            }

            return types.Count == 0 ? $"{Category}[{EventId.Id}]" : string.Join(" <- ", types);
        }
    }
}

/// <summary>
/// A logger provider added to the running server: it keeps every Error and Critical line (ASP.NET's "unhandled
/// exception" events included) with the request scope it was written in, so the fuzzer can trace it to an input.
/// </summary>
internal sealed class ServerLogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<ServerLogEntry> entries = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<ServerLogEntry> Entries => entries.ToList();

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CaptureLogger(ServerLogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string? client = null, request = null, path = null;
            capture.scopes.ForEachScope(
                (scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    {
                        foreach (var (key, value) in values)
                        {
                            switch (key)
                            {
                                case "ClientRequestId":
                                    client = value?.ToString();
                                    break;
                                case "RequestId":
                                    request = value?.ToString();
                                    break;
                                case "RequestPath":
                                    path = value?.ToString();
                                    break;
                            }
                        }
                    }
                },
                (object?)null);
            capture.entries.Enqueue(new ServerLogEntry(category, logLevel, eventId, formatter(state, exception), exception, client, request, path));
        }
    }
}
