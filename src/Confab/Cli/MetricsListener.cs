using System.Net;
using System.Text;
using Confab.Server.Monitoring;

namespace Confab.Cli;

/// <summary>
/// A small /metrics endpoint for a long-running verb (<c>db port --metrics-port</c>) on 127.0.0.1: the process-wide
/// meters (the port's progress, database writes, Npgsql's pool) in the Prometheus text format.
/// </summary>
internal sealed class MetricsListener : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly PrometheusExporter exporter = new(null);
    private readonly Task serving;

    private MetricsListener(int port)
    {
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            exporter.Dispose();
            throw new CliUsageException($"--metrics-port {port}: cannot listen ({ex.Message})");
        }

        serving = Task.Run(ServeAsync);
    }

    public static MetricsListener? Start(int? port) => port switch
    {
        null => null,
        < 1 or > 65535 => throw new CliUsageException("--metrics-port must be between 1 and 65535"),
        { } p => new MetricsListener(p),
    };

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            if (context.Request.Url?.AbsolutePath != "/metrics")
            {
                response.StatusCode = 404;
                continue;
            }

            var body = Encoding.UTF8.GetBytes(exporter.Render());
            response.ContentType = MetricsApi.ContentType;
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await serving;
        exporter.Dispose();
    }
}
