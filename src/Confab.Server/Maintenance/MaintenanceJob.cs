using Confab.Chat.Housekeeping;
using Confab.Server.Monitoring;
using Confab.Storage.Engines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server.Maintenance;

/// <summary>
/// The light part of <c>confab db maintain</c>, on a schedule: purge finished sessions and spent or stale prekeys,
/// sweep the attachment and profile picture files nothing names any more, and on SQLite <c>PRAGMA optimize</c> with a
/// passive checkpoint. The heavy part (VACUUM, search rebuilds) stays with the command, where an operator chooses the moment.
/// </summary>
internal sealed partial class MaintenanceJob(
    ConfabDatabase database, ConfabMetrics metrics, IOptions<MaintenanceOptions> options, TimeProvider clock, ILogger<MaintenanceJob> logger,
    Chat.Attachments.AttachmentSweeper attachments, Chat.Accounts.AvatarSweeper avatars) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.IntervalMinutes == 0)
        {
            return;
        }

        var interval = TimeSpan.FromMinutes(options.Value.IntervalMinutes);
        var policy = new HousekeepingPolicy { SessionGrace = TimeSpan.FromDays(options.Value.SessionGraceDays) };
        try
        {
            // Not at start-up: a restart loop must not turn into a maintenance loop.
            await Task.Delay(interval, clock, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunOnceAsync(policy, stoppingToken);
                await Task.Delay(interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    internal async Task RunOnceAsync(HousekeepingPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            var housekeeping = new Housekeeping(database, clock);
            var sessions = await housekeeping.PurgeSessionsAsync(policy, dryRun: false, cancellationToken);
            var prekeys = await housekeeping.PurgePrekeysAsync(policy, dryRun: false, cancellationToken);
            metrics.MaintenanceRemoved("attachment_files", (await attachments.SweepAsync(new Chat.Attachments.AttachmentSweepPolicy(), cancellationToken)).Files);
            metrics.MaintenanceRemoved("avatar_files", (await avatars.SweepAsync(Chat.Accounts.AvatarSweeper.DefaultFileGrace, cancellationToken)).Files);
            var engine = await EngineUpkeep.LightAsync(database, cancellationToken);
            metrics.MaintenanceRemoved("sessions", sessions);
            metrics.MaintenanceRemoved("prekeys", prekeys);
            metrics.MaintenanceRan(true, clock.GetUtcNow());
            Maintained(logger, sessions, prekeys, engine);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.MaintenanceRan(false, clock.GetUtcNow());
            Failed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Maintenance removed {Sessions} session row(s) and {Prekeys} prekey(s); engine: {Engine}")]
    private static partial void Maintained(ILogger logger, long sessions, long prekeys, string engine);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "Maintenance failed; it runs again at the next interval")]
    private static partial void Failed(ILogger logger, Exception exception);
}
