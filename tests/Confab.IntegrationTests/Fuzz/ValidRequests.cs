namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// A realistic valid request for each route, as the starting point of mutations: the fuzzer changes one thing at a
/// time, so most inputs get past the JSON binder and reach the handler and the store. Placeholders ($group, $peer, …)
/// become the world's real ids. Query parameters come from the handlers' signatures (<see cref="FuzzRoute"/>); only
/// their valid values are chosen here, by name.
/// </summary>
internal static class ValidRequests
{
    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/auth/register"] = """{"username":"$newname","email":"$newname@example.com","password":"a long enough pass phrase","displayName":"Fuzz Person","deviceName":"fuzz"}""",
        ["POST /api/v1/auth/login"] = """{"login":"$strangername","password":"a long enough pass phrase","deviceName":"fuzz"}""",
        ["POST /api/v1/auth/refresh"] = """{"refreshToken":"$refresh"}""",
        ["PATCH /api/v1/me"] = """{"displayName":"Fuzzed","bio":"a bio","statusMessage":"busy","avatarUrl":"https://example.com/a.png"}""",
        ["POST /api/v1/me/password"] = """{"currentPassword":"a long enough pass phrase","newPassword":"another long pass phrase"}""",
        ["DELETE /api/v1/me"] = """{"password":"a long enough pass phrase"}""",
        ["POST /api/v1/conversations"] = """{"kind":"group","title":"fuzzed group","members":["$peer"]}""",
        ["POST /api/v1/conversations/{id}/messages"] = """{"clientMsgId":"$clientmsg","body":"fuzzed message","replyTo":"$message","attachmentIds":[]}""",
        ["PATCH /api/v1/conversations/{id}/messages/{messageId}"] = """{"body":"edited text"}""",
        ["POST /api/v1/conversations/{id}/read"] = """{"seq":1}""",
        ["POST /api/v1/conversations/{id}/delivered"] = """{"seq":1}""",
        ["PATCH /api/v1/conversations/{id}"] = """{"title":"renamed","settings":{"theme":"dark"}}""",
        ["POST /api/v1/conversations/{id}/members"] = """{"userIds":["$stranger"]}""",
        ["PUT /api/v1/conversations/{id}/members/{userId}/role"] = """{"role":"admin"}""",
        ["PUT /api/v1/conversations/{id}/mute"] = """{"until":"2030-01-01T00:00:00Z"}""",
        ["POST /api/v1/devices"] = """{"name":"fuzz tablet","identityKey":"$key","signedPrekey":{"id":1,"publicKey":"$key","signature":"$key"},"oneTimePrekeys":[{"id":$n,"publicKey":"$key"}]}""",
        ["PUT /api/v1/devices/{id}/signed-prekey"] = """{"id":$n,"publicKey":"$key","signature":"$key"}""",
        ["POST /api/v1/devices/{id}/prekeys"] = """{"prekeys":[{"id":$n,"publicKey":"$key"}]}""",
    };

    /// <summary>Routes whose success ends the caller's session or account: driven as the stranger, whom the world replaces.</summary>
    private static readonly HashSet<string> SelfDestructive = new(StringComparer.Ordinal)
    {
        "POST /api/v1/auth/logout", "DELETE /api/v1/me", "POST /api/v1/me/password", "DELETE /api/v1/me/sessions/{id}", "POST /api/v1/auth/refresh",
    };

    /// <summary>Hashing a password costs ~100 ms of CPU: these routes get a smaller share of the inputs.</summary>
    private static readonly HashSet<string> Expensive = new(StringComparer.Ordinal)
    {
        "POST /api/v1/auth/register", "POST /api/v1/auth/login", "POST /api/v1/me/password", "DELETE /api/v1/me",
    };

    public static bool HasTemplate(string key) => Bodies.ContainsKey(key);

    public static string? Body(string key) => Bodies.GetValueOrDefault(key);

    public static bool IsSelfDestructive(string key) => SelfDestructive.Contains(key);

    /// <summary>Relative share of the inputs a route gets.</summary>
    public static double Weight(FuzzRoute route) =>
        Expensive.Contains(route.Key) ? 0.15 : SelfDestructive.Contains(route.Key) ? 0.3 : route.Key.StartsWith("GET /openapi", StringComparison.Ordinal) ? 0.2 : 1.0;

    /// <summary>Destroys or changes shared state when it succeeds: the world is checked and repaired afterwards.</summary>
    public static bool MayDamage(FuzzRoute route) =>
        route.Method is "DELETE" or "PUT" || SelfDestructive.Contains(route.Key)
        || route.Key.EndsWith("/leave", StringComparison.Ordinal) || route.Key.EndsWith("/disable", StringComparison.Ordinal)
        || route.Key.EndsWith("/members", StringComparison.Ordinal) || route.Key.StartsWith("PATCH /api/v1/conversations/{id}", StringComparison.Ordinal);

    /// <summary>The real id a route parameter names, by the route it is in: a conversation, message, user, device…</summary>
    public static string RouteValue(FuzzRoute route, string parameter, string? conversation, FuzzWorld world, Random random)
    {
        var path = FuzzRoute.Normalize(route.Pattern);
        var destructive = route.Method == "DELETE" || path.EndsWith("/leave", StringComparison.Ordinal);
        switch (parameter)
        {
            case "messageId":
                if (destructive && !path.Contains("/reactions/", StringComparison.Ordinal) && !path.Contains("/pins/", StringComparison.Ordinal))
                {
                    return world.ScratchMessage;
                }

                return conversation == world.Group ? world.GroupMessage : conversation == world.ScratchGroup ? world.ScratchMessage : world.Message;
            case "userId" when path.StartsWith("/api/v1/conversations", StringComparison.Ordinal):
                return random.Next(2) == 0 ? world.Peer.Id : world.Stranger.Id;
            case "userId":
                return random.Next(3) == 0 ? world.Stranger.Id : world.Peer.Id;
            case "username":
                return random.Next(2) == 0 ? world.Peer.Username : world.Peer.Username.ToUpperInvariant();
            case "emoji":
                return random.Next(2) == 0 ? "👍" : "🎉";
            case "documentName":
                return "v1";
            case "id" when path.StartsWith("/api/v1/conversations", StringComparison.Ordinal):
                return ConversationOf(route, world, random);
            case "id" when path.StartsWith("/api/v1/devices", StringComparison.Ordinal):
                return destructive ? world.ScratchDevice : world.Device;
            case "id" when path.StartsWith("/api/v1/attachments", StringComparison.Ordinal):
                return world.Attachment;
            case "id" when path.StartsWith("/api/v1/me/sessions", StringComparison.Ordinal):
                return random.Next(2) == 0 ? world.Stranger.SessionId : world.Me.SessionId;
            case "id" when path.StartsWith("/api/v1/admin/users", StringComparison.Ordinal):
                return world.Stranger.Id;
            case "id":
                return random.Next(2) == 0 ? world.Peer.Id : world.Me.Id;
            default:
                return world.AnyId(random);
        }
    }

    /// <summary>The valid value of a query parameter, chosen by its name and type.</summary>
    public static string QueryValue(QueryParameter parameter, FuzzWorld world, Random random) => parameter.Name switch
    {
        "limit" => random.Next(4) switch { 0 => "1", 1 => "2", 2 => "50", _ => "10" },
        "cursor" => world.Cursor ?? "",
        "before" => (world.MessageSeq + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "after" => "0",
        "q" => random.Next(2) == 0 ? "hello" : "message",
        "prefix" => world.Peer.Username[..3],
        "status" => random.Next(2) == 0 ? "accepted" : "pending",
        "action" => "login.succeeded",
        "severity" => "info",
        "since" => "2020-01-01T00:00:00Z",
        "until" => "2030-01-01T00:00:00Z",
        "conversationId" => world.Group,
        "actorId" => world.Me.Id,
        _ when parameter.Type == typeof(Guid) => world.AnyId(random),
        _ when parameter.Type == typeof(int) || parameter.Type == typeof(long) => "1",
        _ => "a",
    };

    /// <summary>Placeholders of a template, filled with the world's values (fresh names and keys on every input).</summary>
    public static string Fill(string template, FuzzWorld world, Random random) => template
        .Replace("$newname", $"fzn{random.Next():x8}", StringComparison.Ordinal)
        .Replace("$strangername", world.Stranger.Username, StringComparison.Ordinal)
        .Replace("$refresh", world.Stranger.RefreshToken, StringComparison.Ordinal)
        .Replace("$peer", world.Peer.Id, StringComparison.Ordinal)
        .Replace("$stranger", world.Stranger.Id, StringComparison.Ordinal)
        .Replace("$message", world.Message, StringComparison.Ordinal)
        .Replace("$clientmsg", $"fz-{random.Next():x8}", StringComparison.Ordinal)
        .Replace("$key", FuzzWorld.Key(random.Next()), StringComparison.Ordinal)
        .Replace("$n", random.Next(1, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static string ConversationOf(FuzzRoute route, FuzzWorld world, Random random)
    {
        var path = FuzzRoute.Normalize(route.Pattern);
        if ((route.Method == "DELETE" && path == "/api/v1/conversations/{id}") || path.EndsWith("/leave", StringComparison.Ordinal)
            || path.Contains("/members", StringComparison.Ordinal) || (route.Method == "PATCH" && path == "/api/v1/conversations/{id}")
            || (route.Method == "DELETE" && path == "/api/v1/conversations/{id}/messages/{messageId}"))
        {
            return world.ScratchGroup;
        }

        if (path.Contains("{messageId}", StringComparison.Ordinal))
        {
            return random.Next(2) == 0 ? world.Group : world.Direct;
        }

        return random.Next(2) == 0 ? world.Direct : world.Group;
    }
}
