using System.Net.WebSockets;
using Confab.Chat.Messages;
using Confab.Chat.Realtime;
using Confab.Chat.Sessions;
using Confab.Server.Auth;
using Confab.Server.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server.Realtime;

/// <summary>The WebSocket endpoint and the REST routes that go with it: paging an event log, and presence.</summary>
public static class GatewayApi
{
    public static IEndpointRouteBuilder MapGatewayApi(this IEndpointRouteBuilder app)
    {
        // GET is the HTTP/1.1 upgrade, CONNECT the HTTP/2 one; the frames are described in docs/protocol.md.
        app.MapMethods("/api/v1/ws", [HttpMethods.Get, HttpMethods.Connect], AcceptAsync).WithTags("realtime")
            .WithSummary("The WebSocket channel (docs/protocol.md); the access token goes in the first frame, never in the URL.");
        app.MapGet("/api/v1/conversations/{id:guid}/events", EventsAsync).RequireAuthorization().WithTags("realtime");
        app.MapGet("/api/v1/users/{id:guid}/presence", (Guid id, RealtimeHub hub, Chat.Users.UserDirectory users, HttpContext http, CancellationToken ct) =>
            PresenceAsync(id, hub, users, http, ct)).RequireAuthorization().WithTags("realtime");
        return app;
    }

    /// <summary>A page of a conversation's event log after a seq: how a client that got "limited" catches up without gaps.</summary>
    public sealed record EventPage(IReadOnlyList<EventItem> Items, bool HasMore);

    public sealed record EventItem(long Seq, string Kind, Guid? ActorId, Guid? MessageId, System.Text.Json.JsonElement Data, DateTime CreatedAt, MessageView? Message);

    public sealed record Presence(Guid UserId, string State, DateTime? LastSeenAt);

    private static async Task<Ok<EventPage>> EventsAsync(Guid id, long? after, int? limit, EventStreams streams, HttpContext http, CancellationToken ct)
    {
        var (items, more) = await streams.PageAsync(CurrentSession.Of(http).UserId, id, after ?? 0, limit ?? 200, ct);
        return TypedResults.Ok(new EventPage(
            items.Select(e => new EventItem(e.Seq, e.Kind, e.ActorId, e.MessageId, System.Text.Json.JsonDocument.Parse(e.Payload).RootElement.Clone(), e.CreatedAt, e.Message)).ToList(),
            more));
    }

    private static async Task<Ok<Presence>> PresenceAsync(Guid id, RealtimeHub hub, Chat.Users.UserDirectory users, HttpContext http, CancellationToken ct)
    {
        // The same visibility as a profile lookup: an unknown, disabled or erased user is a 404.
        _ = CurrentSession.Of(http);
        var profile = await users.GetAsync(id, ct);
        return TypedResults.Ok(new Presence(id, hub.PresenceOf(id), profile.LastSeenAt));
    }

    private static async Task AcceptAsync(
        HttpContext context, RealtimeHub hub, EventStreams streams, EventCache cache, SessionStore sessions, MessageSending sending, MessageStore messages,
        IOptions<JsonOptions> json, ILoggerFactory loggers, TimeProvider clock)
    {
        if (context.Request.Query.ContainsKey("token") || context.Request.Query.ContainsKey("access_token"))
        {
            await Problem(context, StatusCodes.Status400BadRequest, "token_in_url", "Never put the token in the URL; send it in the hello frame.");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problem(context, StatusCodes.Status400BadRequest, "websocket_required", "This endpoint speaks WebSocket only (docs/protocol.md).");
            return;
        }

        if (hub.IsStopping)
        {
            context.Response.Headers.RetryAfter = "1";
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "shutting_down", "This node is shutting down; connect again.");
            return;
        }

        var address = context.Connection.RemoteIpAddress;
        if (!hub.Connections.TryAdmit(address))
        {
            context.Response.Headers.RetryAfter = "60";
            await Problem(context, StatusCodes.Status429TooManyRequests, ErrorCodes.TooManySockets, $"At most {hub.Options.MaxSocketsPerAddress} sockets per client address.");
            return;
        }

        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = TimeSpan.FromSeconds(hub.Options.KeepAliveSeconds),
                KeepAliveTimeout = TimeSpan.FromSeconds(hub.Options.KeepAliveSeconds),
            });
            var services = new SocketServices(hub, streams, cache, sessions, sending, messages, json.Value.SerializerOptions, loggers.CreateLogger<SocketConnection>(), clock);
            await new SocketConnection(socket, services).RunAsync(context.RequestAborted);
        }
        finally
        {
            hub.Connections.Release(address);
        }
    }

    private static Task Problem(HttpContext context, int status, string code, string title) =>
        Results.Problem(title: title, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code }).ExecuteAsync(context);
}
