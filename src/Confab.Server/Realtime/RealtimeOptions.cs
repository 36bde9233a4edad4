using System.ComponentModel.DataAnnotations;

namespace Confab.Server.Realtime;

/// <summary>Section "Realtime": the WebSocket gateway's limits (docs/protocol.md explains each).</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>Events a conversation may replay to one socket before it gets a "limited" frame instead.</summary>
    [Range(1, 100_000)]
    public int ReplayLimit { get; set; } = 1000;

    /// <summary>Frames waiting for a socket before the server stops reading more for it.</summary>
    [Range(8, 100_000)]
    public int OutboundQueueFrames { get; set; } = 256;

    /// <summary>How long a full outbound queue may stay full before the socket is closed as a slow consumer.</summary>
    [Range(1, 600)]
    public int SlowConsumerSeconds { get; set; } = 5;

    /// <summary>Largest frame a client may send, in bytes.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 128 * 1024;

    /// <summary>Malformed or refused frames a socket may send before it is closed.</summary>
    [Range(1, 1000)]
    public int MaxBadFrames { get; set; } = 20;

    /// <summary>Seconds between WebSocket pings; a peer that does not answer within the same time again is dropped.</summary>
    [Range(1, 600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>Seconds a new socket has to send its hello.</summary>
    [Range(1, 600)]
    public int HelloTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds without a client frame (pings aside) after which a user shows as away.</summary>
    [Range(1, 86_400)]
    public int AwayAfterSeconds { get; set; } = 300;

    /// <summary>Seconds a user stays online after their last socket closed, so a reconnect does not flicker.</summary>
    [Range(0, 600)]
    public int OfflineGraceSeconds { get; set; } = 5;

    /// <summary>Seconds a typing indicator lasts unless renewed.</summary>
    [Range(1, 60)]
    public int TypingSeconds { get; set; } = 6;

    /// <summary>Seconds between checks that every socket's session is still live (revocations also arrive as signals at once).</summary>
    [Range(1, 3600)]
    public int SessionCheckSeconds { get; set; } = 30;

    /// <summary>Conversations one hello or resume frame may name in its cursors; more is refused (error "too_many_cursors").</summary>
    [Range(1, 100_000)]
    public int MaxResumeCursors { get; set; } = 2000;

    /// <summary>Resume frames a socket may send per minute; more are refused (error "rate_limited").</summary>
    [Range(1, 10_000)]
    public int ResumesPerMinute { get; set; } = 30;

    /// <summary>Open sockets one user may hold on this node; the next upgrade is refused with 429 "too_many_sockets".</summary>
    [Range(1, 100_000)]
    public int MaxSocketsPerUser { get; set; } = 20;

    /// <summary>Open sockets one client address may hold on this node; the next upgrade is refused with 429 "too_many_sockets".</summary>
    [Range(1, 1_000_000)]
    public int MaxSocketsPerAddress { get; set; } = 200;

    /// <summary>Memory this node's event cache may hold, in MiB (event rows and their built frames).</summary>
    [Range(1, 65_536)]
    public int EventCacheMegabytes { get; set; } = 64;

    /// <summary>Typing frames (start and stop alike) one socket may have relayed per conversation per minute; more are dropped silently.</summary>
    [Range(1, 600)]
    public int TypingFramesPerMinute { get; set; } = 20;
}
