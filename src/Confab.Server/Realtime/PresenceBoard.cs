namespace Confab.Server.Realtime;

/// <summary>A presence change: this node's own view of the user and, when the user's overall state changed, the new state.</summary>
internal sealed record PresenceChange(string Local, string? Effective);

/// <summary>
/// Presence as this node sees it: its own sockets (online while any is active, away when all are idle, offline
/// a grace period after the last one closed) merged with what other nodes announce. Other nodes' claims expire
/// unless they repeat them, so the users of a node that died go offline within a minute.
/// </summary>
internal sealed class PresenceBoard(RealtimeOptions options, TimeProvider clock)
{
    public const int HeartbeatSeconds = 20;
    private static readonly TimeSpan RemoteLifetime = TimeSpan.FromSeconds(HeartbeatSeconds * 3);

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, LocalUser> local = [];
    private readonly Dictionary<Guid, Dictionary<string, (string State, DateTimeOffset Expires)>> remote = [];
    private readonly Dictionary<Guid, string> announced = [];

    public PresenceChange? LocalConnected(Guid userId)
    {
        lock (gate)
        {
            if (!local.TryGetValue(userId, out var user))
            {
                user = new LocalUser { State = "offline" };
                local[userId] = user;
            }

            user.Sockets++;
            user.LastActive = clock.GetUtcNow();
            user.OfflineAt = null;
            return SetLocal(userId, user, "online");
        }
    }

    public void LocalDisconnected(Guid userId)
    {
        lock (gate)
        {
            if (local.TryGetValue(userId, out var user) && --user.Sockets <= 0)
            {
                user.Sockets = 0;
                user.OfflineAt = clock.GetUtcNow() + TimeSpan.FromSeconds(options.OfflineGraceSeconds);
            }
        }
    }

    public PresenceChange? LocalActive(Guid userId)
    {
        lock (gate)
        {
            if (!local.TryGetValue(userId, out var user))
            {
                return null;
            }

            user.LastActive = clock.GetUtcNow();
            return user.State == "away" ? SetLocal(userId, user, "online") : null;
        }
    }

    /// <summary>Applies the clock: idle users turn away, the grace period of closed ones runs out, other nodes' stale claims expire.</summary>
    public IReadOnlyList<(Guid UserId, PresenceChange Change)> Tick()
    {
        var now = clock.GetUtcNow();
        var changes = new List<(Guid, PresenceChange)>();
        lock (gate)
        {
            foreach (var (userId, user) in local.ToList())
            {
                PresenceChange? change = null;
                if (user.Sockets == 0 && user.OfflineAt is { } at && at <= now)
                {
                    change = SetLocal(userId, user, "offline");
                    local.Remove(userId);
                }
                else if (user.Sockets > 0 && user.State == "online" && now - user.LastActive > TimeSpan.FromSeconds(options.AwayAfterSeconds))
                {
                    change = SetLocal(userId, user, "away");
                }

                if (change is not null)
                {
                    changes.Add((userId, change));
                }
            }

            foreach (var (userId, nodes) in remote.ToList())
            {
                var expired = nodes.Where(n => n.Value.Expires <= now).Select(n => n.Key).ToList();
                if (expired.Count == 0)
                {
                    continue;
                }

                foreach (var node in expired)
                {
                    nodes.Remove(node);
                }

                if (nodes.Count == 0)
                {
                    remote.Remove(userId);
                }

                if (Recompute(userId) is { } effective)
                {
                    changes.Add((userId, new PresenceChange(LocalState(userId), effective)));
                }
            }
        }

        return changes;
    }

    public PresenceChange? Remote(string node, Guid userId, string state)
    {
        lock (gate)
        {
            if (state == "offline")
            {
                if (remote.TryGetValue(userId, out var nodes))
                {
                    nodes.Remove(node);
                    if (nodes.Count == 0)
                    {
                        remote.Remove(userId);
                    }
                }
            }
            else
            {
                if (!remote.TryGetValue(userId, out var nodes))
                {
                    nodes = [];
                    remote[userId] = nodes;
                }

                nodes[node] = (state, clock.GetUtcNow() + RemoteLifetime);
            }

            return Recompute(userId) is { } effective ? new PresenceChange(LocalState(userId), effective) : null;
        }
    }

    public string Effective(Guid userId)
    {
        lock (gate)
        {
            return Compute(userId);
        }
    }

    /// <summary>This node's users by state, for the heartbeat.</summary>
    public IReadOnlyList<(string State, IReadOnlyList<Guid> Users)> LocalStates()
    {
        lock (gate)
        {
            return local.Where(u => u.Value.State != "offline")
                .GroupBy(u => u.Value.State)
                .Select(g => (g.Key, (IReadOnlyList<Guid>)g.Select(u => u.Key).ToList()))
                .ToList();
        }
    }

    private PresenceChange? SetLocal(Guid userId, LocalUser user, string state)
    {
        if (user.State == state)
        {
            return null;
        }

        user.State = state;
        return new PresenceChange(state, Recompute(userId));
    }

    private string LocalState(Guid userId) => local.TryGetValue(userId, out var user) ? user.State : "offline";

    /// <summary>The new overall state when it differs from the last one announced, else null.</summary>
    private string? Recompute(Guid userId)
    {
        var state = Compute(userId);
        if (announced.TryGetValue(userId, out var previous) && previous == state)
        {
            return null;
        }

        if (!announced.ContainsKey(userId) && state == "offline")
        {
            return null;
        }

        if (state == "offline")
        {
            announced.Remove(userId);
        }
        else
        {
            announced[userId] = state;
        }

        return state;
    }

    private string Compute(Guid userId)
    {
        var now = clock.GetUtcNow();
        var states = new List<string>();
        if (local.TryGetValue(userId, out var user))
        {
            states.Add(user.State);
        }

        if (remote.TryGetValue(userId, out var nodes))
        {
            states.AddRange(nodes.Values.Where(n => n.Expires > now).Select(n => n.State));
        }

        return states.Contains("online") ? "online" : states.Contains("away") ? "away" : "offline";
    }

    private sealed class LocalUser
    {
        public int Sockets { get; set; }

        public string State { get; set; } = "offline";

        public DateTimeOffset LastActive { get; set; }

        public DateTimeOffset? OfflineAt { get; set; }
    }
}
