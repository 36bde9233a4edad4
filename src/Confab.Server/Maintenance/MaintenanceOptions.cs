using System.ComponentModel.DataAnnotations;

namespace Confab.Server.Maintenance;

/// <summary>Section "Maintenance": the light maintenance the server runs by itself.</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    /// <summary>Minutes between runs; 0 turns the schedule off (run <c>confab db maintain</c> from cron instead).</summary>
    [Range(0, 10_080)]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>Days a finished session family is kept.</summary>
    [Range(0, 365)]
    public int SessionGraceDays { get; set; } = 7;
}
