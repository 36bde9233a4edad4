using System.CommandLine;
using Confab.Server;
using Microsoft.Extensions.Options;

namespace Confab.Cli;

/// <summary><c>confab serve</c>: migrate, then serve the REST API until Ctrl-C or SIGTERM.</summary>
internal static class ServeVerb
{
    public static Command Build(CliContext context)
    {
        var urls = new Option<string?>("--urls") { Description = "Listen addresses, ';'-separated (default http://127.0.0.1:8080)", HelpName = "URLS" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where attachments and profile pictures are kept (default ./data)", HelpName = "PATH" };
        var noMigrate = new Option<bool>("--no-migrate") { Description = "Do not apply pending migrations; /readyz reports them instead" };
        var logFormat = new Option<string?>("--log-format") { Description = "text (default) or json: one JSON object per line with the request id", HelpName = "FORMAT" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve /metrics on this port without authentication (on 127.0.0.1 unless Metrics:Host says otherwise) instead of to admins on the main port", HelpName = "PORT" };
        var knownProxies = new Option<string?>("--known-proxies") { Description = "Reverse proxies whose X-Forwarded-For/-Proto are believed, ','-separated addresses (Proxy:KnownProxies; default none)", HelpName = "ADDRESSES" };
        var knownNetworks = new Option<string?>("--known-networks") { Description = "The same for whole networks in CIDR form, e.g. 10.0.0.0/8 (Proxy:KnownNetworks; default none)", HelpName = "CIDRS" };
        var demo = new Option<bool>("--demo") { Description = "Load the demo users and conversations first (as `db seed` does; public passwords, so loopback addresses only)" };
        var command = new Command("serve", "Serve the chat (the web client at /, REST under /api/v1, OpenAPI at /openapi/v1.json, /healthz, /readyz, /metrics).")
        {
            urls, dataDir, noMigrate, logFormat, metricsPort, knownProxies, knownNetworks, demo,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(urls) is { } listen)
            {
                overrides["Server:Urls"] = listen;
            }

            if (parse.GetValue(dataDir) is { } dir)
            {
                overrides["Server:DataDir"] = dir;
            }

            if (parse.GetValue(logFormat) is { } format)
            {
                overrides["Logging:Format"] = format;
            }

            if (parse.GetValue(metricsPort) is { } port)
            {
                overrides["Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (parse.GetValue(knownProxies) is { } proxies)
            {
                overrides["Proxy:KnownProxies"] = proxies;
            }

            if (parse.GetValue(knownNetworks) is { } networks)
            {
                overrides["Proxy:KnownNetworks"] = networks;
            }

            if (parse.GetValue(noMigrate))
            {
                overrides["Server:Migrate"] = "false";
            }

            if (parse.GetValue(demo))
            {
                await LoadDemoAsync(context, target, overrides.GetValueOrDefault("Server:Urls"), parse.GetValue(noMigrate), ct);
            }

            await using var app = ConfabServer.Build(target, overrides);
            try
            {
                await ConfabServer.RunAsync(app, ct);
            }
            catch (OptionsValidationException ex)
            {
                throw new CliUsageException($"invalid setting: {string.Join("; ", ex.Failures)}");
            }
            catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                throw new Storage.StorageOperationException($"cannot listen: {ex.Message}", ex);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task LoadDemoAsync(CliContext context, Storage.Engines.DatabaseTarget target, string? urls, bool noMigrate, CancellationToken ct)
    {
        if (noMigrate)
        {
            throw new CliUsageException("--demo needs the schema migrated; leave out --no-migrate");
        }

        // The demo passwords are printed in the README: a server reachable from elsewhere must never carry them.
        var listen = urls ?? Environment.GetEnvironmentVariable("CONFAB_SERVER__URLS") ?? "http://127.0.0.1:8080";
        foreach (var address in listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || !(uri.IsLoopback || uri.Host == "localhost"))
            {
                throw new CliUsageException($"--demo serves on loopback addresses only, not {address}");
            }
        }

        await using var database = Storage.Engines.ConfabDatabase.Open(target, create: true);
        await new Storage.Migrations.MigrationRunner(database).MigrateAsync(new Storage.Migrations.MigrateOptions(), ct);
        var result = await Tools.Seeding.DemoSeed.RunAsync(database, ct);
        context.Line(result.Created
            ? "Loaded the demo users (alice, bob, charlie, diana; passwords in the README)."
            : "The demo users are already here (alice, bob, charlie, diana; passwords in the README).");
    }
}
