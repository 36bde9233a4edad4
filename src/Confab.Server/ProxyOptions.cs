using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Confab.Server;

/// <summary>
/// Section "Proxy": the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, so that the
/// audit log, the sessions list and the per-IP limits see the real client. Off unless configured: without it
/// any client could name itself any address by sending the header.
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Proxy";

    private static readonly char[] Separators = [',', ';', ' '];

    /// <summary>Addresses of trusted proxies, separated by ',' or ';' (e.g. <c>127.0.0.1;::1</c>).</summary>
    public string? KnownProxies { get; set; }

    /// <summary>Networks of trusted proxies in CIDR form, separated by ',' or ';' (e.g. <c>10.0.0.0/8</c>).</summary>
    public string? KnownNetworks { get; set; }

    /// <summary>
    /// How many entries of X-Forwarded-For, from the right, are taken: one per trusted proxy in a chain.
    /// With one proxy in front, the default 1 takes the address that proxy saw and ignores what the client wrote.
    /// </summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    /// <summary>True when at least one proxy or network is trusted.</summary>
    public bool Enabled => Entries(KnownProxies).Length + Entries(KnownNetworks).Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in Entries(KnownProxies).Where(e => !IPAddress.TryParse(e, out _)))
        {
            yield return new ValidationResult($"Proxy:KnownProxies: '{entry}' is not an IP address", [nameof(KnownProxies)]);
        }

        foreach (var entry in Entries(KnownNetworks).Where(e => !IPNetwork.TryParse(e, out _)))
        {
            yield return new ValidationResult($"Proxy:KnownNetworks: '{entry}' is not a network in CIDR form (address/prefix)", [nameof(KnownNetworks)]);
        }
    }

    /// <summary>Configures the middleware: forwarded headers from the configured proxies only, none at all when there are none.</summary>
    public void ApplyTo(ForwardedHeadersOptions forwarded)
    {
        ArgumentNullException.ThrowIfNull(forwarded);

        // The framework trusts loopback by default; here nothing is trusted that was not configured.
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        forwarded.ForwardLimit = ForwardLimit;
        if (!Enabled)
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.None;
            return;
        }

        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        foreach (var entry in Entries(KnownProxies))
        {
            forwarded.KnownProxies.Add(IPAddress.Parse(entry));
        }

        foreach (var entry in Entries(KnownNetworks))
        {
            forwarded.KnownIPNetworks.Add(IPNetwork.Parse(entry));
        }
    }

    private static string[] Entries(string? list) =>
        list?.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}

/// <summary>Wiring of <see cref="ProxyOptions"/> into the host.</summary>
public static class ProxySetup
{
    public static IServiceCollection AddConfabProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxy) => proxy.Value.ApplyTo(forwarded));
        return services;
    }

    /// <summary>First in the pipeline, so that everything after it (limits, authentication, audit) sees the client's address.</summary>
    public static IApplicationBuilder UseConfabProxy(this IApplicationBuilder app) => app.UseForwardedHeaders();
}
