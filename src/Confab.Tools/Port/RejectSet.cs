using Confab.Storage.Schema;
using Confab.Storage.Verification;

namespace Confab.Tools.Port;

/// <summary>The rows the target would reject, by table and canonical key, with the source's own key values and the reasons.</summary>
internal sealed class RejectSet
{
    private readonly Dictionary<string, Dictionary<string, Rejected>> byTable = new(StringComparer.Ordinal);

    public int Count => byTable.Values.Sum(t => t.Count);

    public IEnumerable<(string Table, Rejected Row)> All =>
        byTable.SelectMany(t => t.Value.Values.Select(r => (t.Key, r)));

    public IReadOnlyCollection<Rejected> In(string table) =>
        byTable.TryGetValue(table, out var rows) ? rows.Values : [];

    /// <summary>The rejected keys per table, as verify takes them.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Keys =>
        byTable.ToDictionary(t => t.Key, t => (IReadOnlySet<string>)t.Value.Keys.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    public bool Contains(string table, string key) => byTable.TryGetValue(table, out var rows) && rows.ContainsKey(key);

    /// <summary>Adds a reason for a row; true when the row was not rejected before.</summary>
    public bool Add(string table, object?[] keyValues, LogicalType[] keyTypes, string reason)
    {
        var key = Key(keyValues, keyTypes);
        if (!byTable.TryGetValue(table, out var rows))
        {
            byTable[table] = rows = new Dictionary<string, Rejected>(StringComparer.Ordinal);
        }

        if (rows.TryGetValue(key, out var existing))
        {
            if (!existing.Reasons.Contains(reason))
            {
                existing.Reasons.Add(reason);
            }

            return false;
        }

        rows[key] = new Rejected(key, keyValues, [reason]);
        return true;
    }

    /// <summary>The canonical text of a key, the same for either engine's representation of it.</summary>
    public static string Key(object?[] keyValues, LogicalType[] keyTypes) =>
        string.Join("|", keyValues.Select((v, i) => ContentChecksum.Canonical(v, keyTypes[i])));
}

internal sealed record Rejected(string Key, object?[] KeyValues, List<string> Reasons);
