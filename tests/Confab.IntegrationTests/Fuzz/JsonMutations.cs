using System.Text;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>Mutations of a JSON body: one field at a time (anywhere in the tree), or the whole body at once.</summary>
internal static class JsonMutations
{
    /// <summary>Changes one member or array item of the body in place; returns what it did.</summary>
    public static string MutateOneField(JsonShape body, FuzzWorld world, Random random)
    {
        var places = new List<(string Path, JsonShape Parent, int Index)>();
        Collect(body, "body", places);
        if (places.Count == 0)
        {
            if (body is ObjectShape empty)
            {
                empty.Members.Add(("unknownField", HostileValues.Json(random, world)));
                return "body.unknownField added";
            }

            return "valid";
        }

        var (path, parent, index) = places[random.Next(places.Count)];
        var hostile = HostileValues.Json(random, world);
        var shown = FuzzReport.Show(hostile.ToBytes(), 80);
        var roll = random.Next(100);
        if (parent is ObjectShape obj)
        {
            var key = obj.Members[index].Key;
            if (roll < 65)
            {
                obj.Members[index] = (key, hostile);
                return $"{path} := {shown}";
            }

            if (roll < 75)
            {
                obj.Members.RemoveAt(index);
                return $"{path} removed";
            }

            if (roll < 87)
            {
                obj.Members.Insert(random.Next(2) == 0 ? index : index + 1, (key, hostile));
                return $"{path} duplicated with {shown}";
            }

            if (roll < 95)
            {
                obj.Members.Add((random.Next(2) == 0 ? "unknownField" : key + "\u0000", hostile));
                return $"unknown field beside {path}";
            }

            obj.Members[index] = (key.ToUpperInvariant(), obj.Members[index].Value);
            return $"{path} key upper-cased";
        }

        var array = (ArrayShape)parent;
        if (roll < 60)
        {
            array.Items[index] = hostile;
            return $"{path} := {shown}";
        }

        if (roll < 75)
        {
            array.Items.RemoveAt(index);
            return $"{path} removed";
        }

        if (roll < 90)
        {
            array.Items.Add(hostile);
            return $"{path[..path.LastIndexOf('[')]} + {shown}";
        }

        var item = array.Items[index];
        array.Items.AddRange(Enumerable.Repeat(item, random.Next(2) == 0 ? 101 : 1000));
        return $"{path} repeated 100+ times";
    }

    /// <summary>A whole body that is not the expected object: missing, empty, another JSON type, garbage, deep, huge.</summary>
    public static (byte[]? Body, string What) WholeBody(JsonShape? valid, Random random)
    {
        var validBytes = valid?.ToBytes() ?? "{}"u8.ToArray();
        switch (random.Next(16))
        {
            case 0:
                return (null, "missing");
            case 1:
                return ([], "empty");
            case 2:
                return ("null"u8.ToArray(), "null");
            case 3:
                return ("[]"u8.ToArray(), "an array");
            case 4:
                return ("\"text\""u8.ToArray(), "a string");
            case 5:
                return ("42"u8.ToArray(), "a number");
            case 6:
                return (validBytes.Take(Math.Max(1, validBytes.Length / 2)).ToArray(), "truncated");
            case 7:
                var garbage = new byte[random.Next(1, 200)];
                random.NextBytes(garbage);
                return (garbage, "random bytes");
            case 8:
                return (HostileValues.Deep(random).Bytes, "deeply nested");
            case 9:
                return ([0xEF, 0xBB, 0xBF, .. validBytes], "valid with a byte-order mark");
            case 10:
                return ([.. validBytes, .. "garbage"u8.ToArray()], "valid then trailing garbage");
            case 11:
                return ([.. "/* c */"u8.ToArray(), .. validBytes], "valid with a comment");
            case 12:
                return (Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(validBytes)), "valid in UTF-16");
            case 13 when random.Next(20) == 0:
                // Past MaxRequestBodySize (11 MiB): 413, or a reset while sending.
                return ([.. "{\"body\":\""u8.ToArray(), .. Enumerable.Repeat((byte)'a', 12 * 1024 * 1024), .. "\"}"u8.ToArray()], "12 MiB");
            case 13:
                return ([.. "{\"body\":\""u8.ToArray(), .. Enumerable.Repeat((byte)'a', 2 * 1024 * 1024), .. "\"}"u8.ToArray()], "2 MiB of one string");
            case 14:
                return ("{'single':'quotes'}"u8.ToArray(), "single-quoted");
            default:
                return ([.. validBytes[..^1], .. ",}"u8.ToArray()], "valid with a trailing comma");
        }
    }

    private static void Collect(JsonShape shape, string path, List<(string, JsonShape, int)> places)
    {
        switch (shape)
        {
            case ObjectShape obj:
                for (var i = 0; i < obj.Members.Count; i++)
                {
                    var member = $"{path}.{obj.Members[i].Key}";
                    places.Add((member, obj, i));
                    Collect(obj.Members[i].Value, member, places);
                }

                break;
            case ArrayShape array:
                for (var i = 0; i < array.Items.Count; i++)
                {
                    var item = $"{path}[{i}]";
                    places.Add((item, array, i));
                    Collect(array.Items[i], item, places);
                }

                break;
        }
    }
}
