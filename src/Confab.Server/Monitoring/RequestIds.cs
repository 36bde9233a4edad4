using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confab.Server.Monitoring;

/// <summary>
/// Ties log lines to requests. Every line written while serving a request already sits in the host's scope with its
/// RequestId (the request's TraceIdentifier); that id is returned in the X-Request-Id response header and as
/// "requestId" in problem details, so a user's report leads to the lines. An X-Request-Id the caller sends (a proxy's
/// or a client's own) is not trusted as ours but kept beside it in the scope as ClientRequestId, when short and plain.
/// </summary>
public static partial class RequestIds
{
    public const string Header = "X-Request-Id";

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.Headers[Header] = context.TraceIdentifier;
        var given = context.Request.Headers[Header].ToString();
        if (given.Length is 0 or > 64 || !Plain().IsMatch(given))
        {
            await next(context);
            return;
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Confab.Requests");
        using (ClientScope(logger, given))
        {
            await next(context);
        }
    });

    private static readonly Func<ILogger, string, IDisposable?> ClientScope = LoggerMessage.DefineScope<string>("ClientRequestId:{ClientRequestId}");

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex Plain();
}
