using System.Collections.Concurrent;
using System.Net;

namespace Confab.Server.Realtime;

/// <summary>
/// This node's open sockets, indexed by the conversations they follow, their user and their session family, plus the
/// count of sockets per client address (the per-user and per-address caps of <see cref="RealtimeOptions"/>).
/// </summary>
public sealed class ConnectionRegistry(RealtimeOptions options)
{
    private readonly ConcurrentDictionary<SocketConnection, byte> connections = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> byConversation = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> byUser = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> bySession = new();
    private readonly Dictionary<IPAddress, int> byAddress = [];

    /// <summary>Raised when a socket of a user is registered or unregistered (presence follows it).</summary>
    internal event Action<Guid, bool>? UserSocketChanged;

    public int Count => connections.Count;

    public bool HasUsers => !byUser.IsEmpty;

    internal ICollection<SocketConnection> All => connections.Keys;

    internal IReadOnlyCollection<Guid> SessionFamilies => bySession.Keys.ToList();

    /// <summary>Takes one of the address's sockets; false when it holds its limit already. Give it back with <see cref="Release"/>.</summary>
    internal bool TryAdmit(IPAddress? address)
    {
        if (address is null)
        {
            return true;
        }

        lock (byAddress)
        {
            var held = byAddress.GetValueOrDefault(address);
            if (held >= options.MaxSocketsPerAddress)
            {
                return false;
            }

            byAddress[address] = held + 1;
            return true;
        }
    }

    internal void Release(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        lock (byAddress)
        {
            if (byAddress.TryGetValue(address, out var held))
            {
                if (held <= 1)
                {
                    byAddress.Remove(address);
                }
                else
                {
                    byAddress[address] = held - 1;
                }
            }
        }
    }

    /// <summary>Registers an authenticated socket; false (nothing registered) when its user holds the per-user limit already.</summary>
    internal bool Register(SocketConnection connection)
    {
        lock (byUser)
        {
            if (byUser.TryGetValue(connection.UserId, out var mine) && mine.Count >= options.MaxSocketsPerUser)
            {
                return false;
            }

            byUser.GetOrAdd(connection.UserId, _ => new ConcurrentDictionary<SocketConnection, byte>()).TryAdd(connection, 0);
        }

        connections.TryAdd(connection, 0);
        Add(bySession, connection.SessionId, connection);
        UserSocketChanged?.Invoke(connection.UserId, true);
        return true;
    }

    internal void Unregister(SocketConnection connection)
    {
        if (!connections.TryRemove(connection, out _))
        {
            return;
        }

        Remove(byUser, connection.UserId, connection);
        Remove(bySession, connection.SessionId, connection);
        foreach (var conversation in connection.Following)
        {
            Remove(byConversation, conversation, connection);
        }

        UserSocketChanged?.Invoke(connection.UserId, false);
    }

    internal void Follow(SocketConnection connection, Guid conversationId) => Add(byConversation, conversationId, connection);

    internal void Unfollow(SocketConnection connection, Guid conversationId) => Remove(byConversation, conversationId, connection);

    internal IEnumerable<SocketConnection> Following(Guid conversationId) =>
        byConversation.TryGetValue(conversationId, out var set) ? set.Keys : [];

    internal IEnumerable<SocketConnection> OfUser(Guid userId) =>
        byUser.TryGetValue(userId, out var set) ? set.Keys : [];

    internal IEnumerable<SocketConnection> OfSession(Guid familyId) =>
        bySession.TryGetValue(familyId, out var set) ? set.Keys : [];

    // Adding and removing under one lock: otherwise a set emptied and dropped by one thread could take
    // another thread's new follower with it.
    private static void Add(ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> index, Guid key, SocketConnection connection)
    {
        lock (index)
        {
            index.GetOrAdd(key, _ => new ConcurrentDictionary<SocketConnection, byte>()).TryAdd(connection, 0);
        }
    }

    private static void Remove(ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> index, Guid key, SocketConnection connection)
    {
        lock (index)
        {
            if (index.TryGetValue(key, out var set) && set.TryRemove(connection, out _) && set.IsEmpty)
            {
                index.TryRemove(key, out _);
            }
        }
    }
}
