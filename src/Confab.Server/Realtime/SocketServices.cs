using System.Text.Json;
using Confab.Chat.Messages;
using Confab.Chat.Realtime;
using Confab.Chat.Sessions;
using Confab.Server.Messaging;
using Microsoft.Extensions.Logging;

namespace Confab.Server.Realtime;

/// <summary>What every socket of this node uses: built once, shared by all of them.</summary>
internal sealed record SocketServices(
    RealtimeHub Hub,
    EventStreams Streams,
    EventCache Cache,
    SessionStore Sessions,
    MessageSending Sending,
    MessageStore Messages,
    JsonSerializerOptions Json,
    ILogger Logger,
    TimeProvider Clock)
{
    public RealtimeOptions Options => Hub.Options;
}
