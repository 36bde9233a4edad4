using System.ComponentModel.DataAnnotations;

namespace Confab.Server.Monitoring;

/// <summary>Section "Metrics": the Prometheus endpoint.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve GET /metrics at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A port of its own for /metrics (for example 9464), served there without authentication and only there; bind it
    /// to an interface Prometheus reaches and the public does not. Unset: /metrics is on the main port, for admins only.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The interface the metrics port listens on.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";
}

/// <summary>Section "Logging" (beside the standard levels): the console format.</summary>
public sealed class LogFormatOptions
{
    /// <summary>"text" (default) or "json": one JSON object per line, with the request id of every line written during a request.</summary>
    [RegularExpression("^(text|json)$", ErrorMessage = "Logging:Format must be text or json")]
    public string Format { get; set; } = "text";
}
