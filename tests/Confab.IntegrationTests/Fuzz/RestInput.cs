using System.Text;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>One HTTP request the fuzzer sends, and the words that say what was hostile about it.</summary>
internal sealed record RestInput(FuzzRoute Route, string Actor, string Method, string PathAndQuery, byte[]? Body, string? ContentType, string? Authorization, string Shape)
{
    /// <summary>Bodies past Kestrel's limit may be cut off mid-send: a reset then is the documented answer, not a failure.</summary>
    public bool Oversized => Body is { Length: > 11 * 1024 * 1024 };

    public string Describe() =>
        $"{Method} {FuzzReport.Truncate(PathAndQuery, 300)} as {Actor}; {Shape}; content-type {ContentType ?? "(none)"}; body {FuzzReport.Show(Body)}";
}

/// <summary>
/// Makes one hostile request for a route from a seeded random source: a valid request with one thing changed (a body
/// field, a query parameter, a route parameter, the whole body, the content type, the credentials).
/// </summary>
internal static class RestInputs
{
    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
        "application/json; charset=latin1", "application/merge-patch+json", "a/b/c", "application/json;;;", "",
    ];

    public static RestInput Make(FuzzRoute route, FuzzWorld world, Random random)
    {
        var (actorName, token) = Actor(route, world, random);
        var routeValues = new Dictionary<string, string>(StringComparer.Ordinal);
        var shape = new List<string>();
        string? conversation = null;
        foreach (var parameter in route.RouteParameters)
        {
            var value = ValidRequests.RouteValue(route, parameter, conversation, world, random);
            if (parameter == "id" && route.Pattern.Contains("conversations", StringComparison.Ordinal))
            {
                conversation = value;
            }

            routeValues[parameter] = HostileValues.Escape(Encoding.UTF8.GetBytes(value));
        }

        var query = route.Query.ToDictionary(q => q.Name, q => (IReadOnlyList<string>)[Uri.EscapeDataString(ValidRequests.QueryValue(q, world, random))], StringComparer.Ordinal);

        // Optional query parameters are left out half the time, as clients do.
        foreach (var name in query.Keys.ToList().Where(_ => random.Next(2) == 0))
        {
            query.Remove(name);
        }

        var template = route.Body == BodyKind.Json ? ValidRequests.Body(route.Key) : null;
        JsonShape? body = template is null ? null : JsonShape.Parse(ValidRequests.Fill(template, world, random));
        byte[]? raw = null;
        var contentType = route.Body == BodyKind.Json ? "application/json" : null;
        var multipart = route.Body == BodyKind.Form ? Multipart.Valid(world) : null;

        var roll = random.Next(100);
        if (roll < 8)
        {
            shape.Add("valid");
        }
        else if (roll < 45 && body is not null)
        {
            shape.Add(JsonMutations.MutateOneField(body, world, random));
        }
        else if (roll < 45 && multipart is not null)
        {
            shape.Add(multipart.Mutate(world, random));
        }
        else if (roll < 62 && route.Query.Count > 0)
        {
            shape.Add(MutateQuery(route, query, world, random));
        }
        else if (roll < 75 && route.RouteParameters.Count > 0)
        {
            var name = route.RouteParameters[random.Next(route.RouteParameters.Count)];
            routeValues[name] = RouteGarbage(name, world, random, out var what);
            shape.Add($"route {name} := {what}");
        }
        else if (roll < 87)
        {
            (raw, var what) = JsonMutations.WholeBody(body, random);
            body = null;
            multipart = null;
            contentType = "application/json";
            shape.Add($"body := {what}");
        }
        else if (roll < 93)
        {
            contentType = ContentTypes[random.Next(ContentTypes.Length)];
            if (multipart is not null)
            {
                raw = multipart.ToBytes();
                multipart = null;
            }

            shape.Add($"content-type := '{contentType}'");
        }
        else
        {
            token = random.Next(5) switch
            {
                0 => "Bearer ",
                1 => "Bearer " + new string('A', 10_000),
                2 => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("a:b")),
                3 => "Bearer " + token?.Replace("Bearer ", "", StringComparison.Ordinal) + "x",
                _ => "bearer " + token?.Replace("Bearer ", "", StringComparison.Ordinal),
            };
            actorName = "a mangled token";
            shape.Add("authorization := mangled");
        }

        if (body is not null)
        {
            raw = body.ToBytes();
        }

        if (multipart is not null)
        {
            raw = multipart.ToBytes();
            contentType = multipart.ContentType;
        }

        var path = System.Text.RegularExpressions.Regex.Replace(
            route.Pattern, @"\{\*?([^}:=?]+)[^}]*\}", m => routeValues.GetValueOrDefault(m.Groups[1].Value, "x"));
        if (!path.StartsWith('/'))
        {
            path = "/" + path;
        }

        var queryText = string.Join('&', query.SelectMany(q => q.Value.Select(v => $"{q.Key}={v}")));
        return new RestInput(route, actorName, route.Method, queryText.Length == 0 ? path : $"{path}?{queryText}", raw, raw is null ? null : contentType, token, string.Join("; ", shape));
    }

    private static (string Name, string? Authorization) Actor(FuzzRoute route, FuzzWorld world, Random random)
    {
        var roll = random.Next(100);
        if (ValidRequests.IsSelfDestructive(route.Key))
        {
            return roll < 85 ? ("the stranger", Bearer(world.Stranger)) : roll < 93 ? ("anonymous", null) : ("the member", Bearer(world.Me));
        }

        if (route.Key.Contains("/admin/", StringComparison.Ordinal) || route.Key.Contains("/metrics", StringComparison.Ordinal))
        {
            return roll < 60 ? ("the admin", Bearer(world.Admin)) : roll < 85 ? ("the member", Bearer(world.Me)) : ("anonymous", null);
        }

        return roll switch
        {
            < 75 => ("the member", Bearer(world.Me)),
            < 85 => ("a non-member", Bearer(world.Stranger)),
            < 90 => ("the peer", Bearer(world.Peer)),
            _ => ("anonymous", null),
        };
    }

    private static string Bearer(FuzzActor actor) => "Bearer " + actor.AccessToken;

    private static string MutateQuery(FuzzRoute route, Dictionary<string, IReadOnlyList<string>> query, FuzzWorld world, Random random)
    {
        var parameter = route.Query[random.Next(route.Query.Count)];
        switch (random.Next(6))
        {
            case 0:
                query[parameter.Name] = [Uri.EscapeDataString(ValidRequests.QueryValue(parameter, world, random)), Uri.EscapeDataString(HostileValues.Number(random))];
                return $"query {parameter.Name} given twice";
            case 1:
                query["unknownParam"] = ["1"];
                return "unknown query parameter";
            case 2 when parameter.Name == "cursor":
            case 3 when parameter.Name == "cursor":
                var cursor = HostileValues.Cursor(random, world);
                query[parameter.Name] = [Uri.EscapeDataString(cursor)];
                return $"query cursor := garbage '{FuzzReport.Truncate(cursor, 60)}'";
            case 2:
                var number = HostileValues.Number(random);
                query[parameter.Name] = [Uri.EscapeDataString(number)];
                return $"query {parameter.Name} := {number}";
            default:
                var bytes = HostileValues.Text(random, world);
                query[parameter.Name] = [HostileValues.Escape(bytes)];
                return $"query {parameter.Name} := {FuzzReport.Show(bytes, 60)}";
        }
    }

    private static string RouteGarbage(string name, FuzzWorld world, Random random, out string what)
    {
        string value;
        switch (random.Next(6))
        {
            case 0:
                value = Guid.NewGuid().ToString();
                what = "unknown id";
                return value;
            case 1:
                value = world.AnyId(random);
                what = "a real id of another kind";
                return value;
            case 2:
                what = "nil id";
                return Guid.Empty.ToString();
            case 3:
                what = "max id";
                return "ffffffff-ffff-ffff-ffff-ffffffffffff";
            default:
                var bytes = HostileValues.Text(random, world);
                what = FuzzReport.Show(bytes, 60);
                return bytes.Length == 0 ? "%20" : HostileValues.Escape(bytes);
        }
    }
}
