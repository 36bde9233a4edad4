using Confab.Chat.Ids;

namespace Confab.Tools.Synthetic;

internal sealed record SyntheticUser(Guid Id, string Username, string DisplayName, DateTime CreatedAt);

internal sealed record ConversationPlan(int Index, Guid Id, bool IsGroup, string? Title, int[] Members, DateTime CreatedAt, int MessageCount);

/// <summary>
/// The shape of a synthetic data set, decided up front from the seed: users, who talks to whom (mostly direct
/// chats, some groups of very different sizes) and how many messages each conversation gets (a few are very busy).
/// </summary>
internal sealed class SyntheticPlan
{
    /// <summary>All synthetic time is measured from here, so a seed gives the same data on any day.</summary>
    public static readonly DateTime Epoch = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime End = Epoch.AddDays(365);

    private SyntheticPlan(IReadOnlyList<SyntheticUser> users, IReadOnlyList<ConversationPlan> conversations)
    {
        Users = users;
        Conversations = conversations;
    }

    public IReadOnlyList<SyntheticUser> Users { get; }

    public IReadOnlyList<ConversationPlan> Conversations { get; }

    public static SyntheticPlan Create(SyntheticOptions options)
    {
        var random = new Random(SplitMix.Derive(options.Seed, -1));
        var users = CreateUsers(options, random);
        var shapes = new List<(bool Group, string? Title, int[] Members)>();
        var directs = (int)Math.Min((long)users.Count * (users.Count - 1) / 2, users.Count * 3L / 2);
        var pairs = new HashSet<long>();
        while (pairs.Count < directs)
        {
            var a = random.Next(users.Count);
            var b = random.Next(users.Count);
            if (a != b && pairs.Add((long)Math.Min(a, b) * users.Count + Math.Max(a, b)))
            {
                shapes.Add((false, null, [a, b]));
            }
        }

        var groups = Math.Max(users.Count >= 3 ? 1 : 0, users.Count / 15);
        for (var g = 0; g < groups; g++)
        {
            shapes.Add((true, TextBank.GroupTitles[random.Next(TextBank.GroupTitles.Length)], PickMembers(random, users.Count, GroupSize(random, users.Count))));
        }

        var counts = SpreadMessages(random, shapes.Select(s => s.Group).ToList(), options.Messages);
        var conversations = new List<ConversationPlan>(shapes.Count);
        for (var i = 0; i < shapes.Count; i++)
        {
            var (group, title, members) = shapes[i];
            var created = members.Select(m => users[m].CreatedAt).Max().AddMinutes(random.Next(1, 60 * 24 * 14));
            conversations.Add(new ConversationPlan(i, Uuid7.NewId(created, random), group, title, members, Micro(created), counts[i]));
        }

        return new SyntheticPlan(users, conversations);
    }

    public static DateTime Micro(DateTime value) => new(value.Ticks - (value.Ticks % 10), DateTimeKind.Utc);

    private static List<SyntheticUser> CreateUsers(SyntheticOptions options, Random random)
    {
        var users = new List<SyntheticUser>(options.Users);
        for (var i = 0; i < options.Users; i++)
        {
            var first = TextBank.FirstNames[random.Next(TextBank.FirstNames.Length)];
            var last = TextBank.LastNames[random.Next(TextBank.LastNames.Length)];
            var created = Micro(Epoch.AddSeconds(random.Next(0, 30 * 24 * 3600)).AddTicks(random.Next(0, 1_000_000) * 10L));
            var username = $"{first}_{last}_{options.Seed}_{i}";
            var display = $"{char.ToUpperInvariant(first[0])}{first[1..]} {char.ToUpperInvariant(last[0])}{last[1..]}";
            users.Add(new SyntheticUser(Uuid7.NewId(created, random), username, display, created));
        }

        return users;
    }

    // Most groups are small; a few are large, as in real deployments.
    private static int GroupSize(Random random, int users)
    {
        var roll = random.Next(100);
        var size = roll < 70 ? random.Next(3, 9) : roll < 95 ? random.Next(9, 31) : random.Next(31, 251);
        return Math.Min(size, users);
    }

    private static int[] PickMembers(Random random, int users, int count)
    {
        var chosen = new HashSet<int>();
        while (chosen.Count < count)
        {
            chosen.Add(random.Next(users));
        }

        return [.. chosen];
    }

    /// <summary>Zipf-like activity: the conversation of rank r gets weight 1/(r+1); groups talk twice as much.</summary>
    private static int[] SpreadMessages(Random random, IReadOnlyList<bool> isGroup, long messages)
    {
        var count = isGroup.Count;
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        var cumulative = new double[count];
        double total = 0;
        for (var rank = 0; rank < count; rank++)
        {
            var conversation = order[rank];
            total += (isGroup[conversation] ? 2.0 : 1.0) / (rank + 1);
            cumulative[rank] = total;
        }

        var counts = new int[count];
        for (long m = 0; m < messages; m++)
        {
            var rank = Array.BinarySearch(cumulative, random.NextDouble() * total);
            counts[order[rank < 0 ? Math.Min(~rank, count - 1) : rank]]++;
        }

        return counts;
    }
}
