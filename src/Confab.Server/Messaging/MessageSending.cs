using System.Threading.RateLimiting;
using Confab.Chat;
using Confab.Chat.Messages;
using Microsoft.Extensions.Options;

namespace Confab.Server.Messaging;

/// <summary>
/// The one way a message is sent, whether it arrives over REST or the socket: the per-user send limit, then the
/// store's rules (membership, blocks, validation, idempotent client id), then the commit that acknowledges it.
/// Retries count against the limit like any send.
/// </summary>
public sealed class MessageSending : IDisposable
{
    private readonly MessageStore messages;
    private readonly PartitionedRateLimiter<Guid> limiter;

    private readonly Monitoring.ConfabMetrics metrics;

    public MessageSending(MessageStore messages, IOptions<AuthOptions> auth, Monitoring.ConfabMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(auth);
        this.messages = messages;
        this.metrics = metrics;
        var perMinute = auth.Value.SendsPerUserPerMinute;
        limiter = PartitionedRateLimiter.Create<Guid, Guid>(user => RateLimitPartition.GetFixedWindowLimiter(
            user, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public async Task<(MessageView Message, bool Created)> SendAsync(Guid sender, Guid conversationId, NewMessage request, CancellationToken cancellationToken)
    {
        using var lease = limiter.AttemptAcquire(sender);
        if (!lease.IsAcquired)
        {
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromMinutes(1);
            throw new ChatException(ChatErrorKind.RateLimited, "rate_limited", "Too many messages; try again later.") { RetryAfter = wait };
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = "rejected";
        try
        {
            var sent = await messages.SendAsync(sender, conversationId, request, cancellationToken);
            outcome = sent.Created ? "created" : "duplicate";
            return sent;
        }
        finally
        {
            metrics.Sent(System.Diagnostics.Stopwatch.GetElapsedTime(started), outcome);
        }
    }

    public void Dispose() => limiter.Dispose();
}
