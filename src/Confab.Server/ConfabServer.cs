using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Confab.Chat.Accounts;
using Confab.Chat.Sessions;
using Confab.Server.Api;
using Confab.Server.Auth;
using Confab.Server.Errors;
using Confab.Server.Maintenance;
using Confab.Server.Messaging;
using Confab.Server.Monitoring;
using Confab.Server.Realtime;
using Confab.Server.WebClient;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server;

/// <summary>Builds and runs the HTTP server: configuration, services, middleware and routes.</summary>
public static class ConfabServer
{
    /// <summary>
    /// Configuration, lowest precedence first: appsettings.json in the working directory, CONFAB_* environment
    /// variables (CONFAB_AUTH__ACCESSTOKENMINUTES=30), then <paramref name="overrides"/> from command-line flags.
    /// </summary>
    public static WebApplication Build(DatabaseTarget target, IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        ArgumentNullException.ThrowIfNull(target);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            })
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("CONFAB_")
            .AddInMemoryCollection(overrides);

        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration.GetSection(ServerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RetentionOptions>().Bind(builder.Configuration.GetSection(RetentionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ConversationOptions>().Bind(builder.Configuration.GetSection(ConversationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Realtime.RealtimeOptions>().Bind(builder.Configuration.GetSection(Realtime.RealtimeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Monitoring.MetricsOptions>().Bind(builder.Configuration.GetSection(Monitoring.MetricsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Maintenance.MaintenanceOptions>().Bind(builder.Configuration.GetSection(Maintenance.MaintenanceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Monitoring.LogFormatOptions>().Bind(builder.Configuration.GetSection("Logging")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddConfabProxy(builder.Configuration);
        var urls = (builder.Configuration[$"{ServerOptions.Section}:{nameof(ServerOptions.Urls)}"] ?? new ServerOptions().Urls)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var metrics = builder.Configuration.GetSection(Monitoring.MetricsOptions.Section).Get<Monitoring.MetricsOptions>() ?? new Monitoring.MetricsOptions();
        if (metrics.Enabled && metrics.Port is { } metricsPort)
        {
            urls.Add($"http://{metrics.Host}:{metricsPort}");
        }

        builder.WebHost.UseUrls([.. urls]);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            // One JSON object per line, with scopes: each line written during a request carries its RequestId.
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 11 * 1024 * 1024;
        });

        builder.Services.AddConfabChat(target);
        builder.Services.AddConfabHttp();
        builder.Services.AddConfabWebClient();
        var app = builder.Build();
        app.UseConfabProxy();
        app.UseRequestIds();
        app.UseConfabWebClientFiles();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseConfabWebClientFallback();
        app.MapConfabApiDocument();
        app.MapHealthApi().MapAuthApi().MapMeApi().MapConversationsApi().MapMembersApi().MapContactsApi().MapSearchApi().MapKeysApi().MapAdminApi().MapAttachmentsApi().MapAvatarsApi();
        app.MapGatewayApi();
        app.MapMetricsApi();
        return app;
    }

    /// <summary>Migrates (unless configured not to), serves until <paramref name="cancellationToken"/> fires, then drains.</summary>
    public static async Task RunAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        await StartAsync(app, cancellationToken);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C, or SIGTERM through the host's lifetime: stop accepting, let requests in flight finish.
        }

        await app.StopAsync(CancellationToken.None);
    }

    /// <summary>Migrates when configured to, then starts listening. Returns the addresses actually bound.</summary>
    public static async Task<IReadOnlyList<string>> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Settings are checked before anything touches the database: a bad one stops here, naming itself.
        var options = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<RetentionOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ConversationOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Realtime.RealtimeOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Monitoring.MetricsOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Maintenance.MaintenanceOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Monitoring.LogFormatOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;

        // Listening from the first request on, so counters start at start-up.
        _ = app.Services.GetRequiredService<Monitoring.PrometheusExporter>();
        var database = app.Services.GetRequiredService<ConfabDatabase>();
        app.Services.GetRequiredService<Realtime.SingleNodeGuard>().Acquire(database.Target);
        if (options.Migrate)
        {
            var result = await new MigrationRunner(database).MigrateAsync(new MigrateOptions(), cancellationToken);
            ServerLog.Migrated(app.Logger, result.Steps.Count, result.ToVersion);
        }

        _ = app.Services.GetRequiredService<Monitoring.NodeFacts>();
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        ServerLog.Serving(app.Logger, database.Target.Display, string.Join(", ", addresses));
        return addresses;
    }

    public static IServiceCollection AddConfabChat(this IServiceCollection services, DatabaseTarget target)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => ConfabDatabase.Open(target, create: true));
        services.AddSingleton(provider =>
        {
            var auth = provider.GetRequiredService<IOptions<AuthOptions>>().Value;
            return new SessionPolicy
            {
                AccessTokenLifetime = TimeSpan.FromMinutes(auth.AccessTokenMinutes),
                RefreshTokenLifetime = TimeSpan.FromDays(auth.RefreshTokenDays),
                FailuresBeforeLockout = auth.FailuresBeforeLockout,
                LoginBackoff = TimeSpan.FromSeconds(auth.LoginBackoffSeconds),
                LockoutWindow = TimeSpan.FromMinutes(auth.LockoutMinutes),
                AccountFailuresBeforeSlowdown = auth.AccountFailuresBeforeSlowdown,
            };
        });
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<AccountStore>();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<ConversationOptions>>().Value.ToLimits());
        services.AddSingleton<Chat.Conversations.ConversationStore>();
        services.AddSingleton<Chat.Messages.MessageStore>();
        services.AddSingleton<Chat.Contacts.ContactStore>();
        services.AddSingleton<Chat.Conversations.MembershipStore>();
        services.AddSingleton<Chat.Search.MessageSearch>();
        services.AddSingleton<Chat.Keys.KeyDirectory>();
        services.AddSingleton<Chat.Audit.AuditStore>();
        services.AddSingleton(provider => new Chat.Attachments.AttachmentStore(
            provider.GetRequiredService<ConfabDatabase>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<ServerOptions>>().Value.DataDir,
            provider.GetRequiredService<IOptions<ServerOptions>>().Value.AttachmentQuotaMiB * 1024 * 1024));
        services.AddSingleton(provider => new Chat.Attachments.AttachmentSweeper(
            provider.GetRequiredService<ConfabDatabase>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<ServerOptions>>().Value.DataDir));
        services.AddSingleton(provider => new AvatarStore(
            provider.GetRequiredService<ConfabDatabase>(), provider.GetRequiredService<IOptions<ServerOptions>>().Value.DataDir));
        services.AddSingleton(provider => new AvatarSweeper(
            provider.GetRequiredService<ConfabDatabase>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<ServerOptions>>().Value.DataDir));
        services.AddSingleton<AdminStore>();
        services.AddSingleton<Chat.Statistics.ServerStatistics>();
        services.AddSingleton<AccountExporter>();
        services.AddSingleton<AccountEraser>();
        services.AddSingleton(provider => new Chat.Retention.RetentionPolicy(provider.GetRequiredService<IOptions<RetentionOptions>>().Value.MaxAgeDays));
        services.AddSingleton<Chat.Retention.RetentionSweeper>();
        services.AddHostedService<Maintenance.RetentionJob>();
        services.AddMetrics();
        services.AddSingleton<Monitoring.ConfabMetrics>();
        services.AddSingleton<Monitoring.NodeFacts>();
        services.AddSingleton<Monitoring.PrometheusExporter>();
        services.AddHostedService<Maintenance.MaintenanceJob>();
        services.AddSingleton<Chat.Users.UserDirectory>();
        services.AddSingleton<Chat.Realtime.EventStreams>();
        services.AddSingleton<MessageSending>();
        services.AddSingleton<Realtime.EventCache>();
        services.AddSingleton<Realtime.SingleNodeGuard>();
        services.AddSingleton<Realtime.RealtimeHub>();
        services.AddHostedService(provider => provider.GetRequiredService<Realtime.RealtimeHub>());
        return services;
    }

    public const string UploadPolicy = "uploads";
    public const string PasswordCheckPolicy = "password-checks";

    private static RateLimitPartition<string> PerUser(HttpContext context, Func<AuthOptions, int> perMinute)
    {
        var limit = perMinute(context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value);
        var user = context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "anonymous";
        return RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
    }

    public static IServiceCollection AddConfabHttp(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        services.AddConfabProblems();
        // The core only: AddAuthentication would also bring Data Protection, which writes key files that
        // opaque bearer tokens never use.
        services.AddAuthenticationCore(auth =>
        {
            auth.AddScheme<BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, BearerAuthenticationHandler.SchemeName);
            auth.DefaultScheme = BearerAuthenticationHandler.SchemeName;
        });
        services.AddWebEncoders();
        services.AddOptions<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions>(BearerAuthenticationHandler.SchemeName);
        services.AddAuthorization();
        services.AddConfabApiDocument();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(AuthApi.RateLimitPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.AttemptsPerIpPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            limiter.AddPolicy(UploadPolicy, context => PerUser(context, o => o.UploadsPerUserPerMinute));
            limiter.AddPolicy(PasswordCheckPolicy, context => PerUser(context, o => o.PasswordChecksPerUserPerMinute));
            limiter.OnRejected = async (rejected, ct) =>
            {
                var http = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromMinutes(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests; try again later.",
                        Extensions = { ["code"] = ProblemCodes.RateLimited },
                    },
                });
            };
        });
        return services;
    }
}
