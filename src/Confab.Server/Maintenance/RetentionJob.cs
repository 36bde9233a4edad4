using System.ComponentModel.DataAnnotations;
using Confab.Chat.Retention;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server.Maintenance;

/// <summary>Section "Retention": how long messages are kept, and how often expired ones are swept.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Messages older than this many days expire; 0 keeps them forever. A conversation's settings may set its own ("retentionDays").</summary>
    [Range(0, 36_500)]
    public int MaxAgeDays { get; set; }

    [Range(1, 10_080)]
    public int IntervalMinutes { get; set; } = 60;
}

/// <summary>Runs the retention sweep at start-up and then every interval; a failed sweep is logged and tried again next time.</summary>
internal sealed partial class RetentionJob(
    RetentionSweeper sweeper, Storage.Engines.ConfabDatabase database, IOptions<RetentionOptions> options, ILogger<RetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(options.Value.IntervalMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Never the job that creates a database or meets a schema half there: that is migrate's to do.
                if (!await SchemaIsCurrentAsync(stoppingToken))
                {
                    await Task.Delay(interval, stoppingToken);
                    continue;
                }

                var expired = await sweeper.SweepAsync(stoppingToken);
                if (expired > 0)
                {
                    Swept(logger, expired);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SweepFailed(logger, ex);
            }

            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> SchemaIsCurrentAsync(CancellationToken cancellationToken)
    {
        if (!await database.ExistsAsync(cancellationToken))
        {
            return false;
        }

        var status = await new Storage.Migrations.MigrationRunner(database).StatusAsync(cancellationToken);
        return status.PendingCount == 0 && !status.HasDrift && !status.HasUnknown;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Retention expired {Count} message(s)")]
    private static partial void Swept(ILogger logger, int count);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Retention sweep failed; it runs again at the next interval")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}
