using System.Text;

namespace Confab.Tools.Synthetic;

/// <summary>
/// Short chat lines in several scripts — English, Spanish, German, Russian, Chinese, Japanese, Korean — with
/// emoji, so search, sorting and encodings meet realistic text. Mostly English, as most chats are.
/// </summary>
internal static class TextBank
{
    private static readonly string[] English =
    [
        "are we still on for tomorrow", "just pushed the fix", "can you review my pull request", "running a bit late",
        "the deploy went fine", "lunch at noon?", "sounds good to me", "I'll call you after the meeting",
        "did anyone see the release notes", "that build is flaky again", "happy birthday", "see you at the station",
        "the database migration finished", "let me check and get back to you", "great work everyone", "where did you park",
        "the train is delayed", "who is on call this weekend", "thanks for the help", "the tickets are booked",
        "can we move the standup", "photos from the hike", "coffee later?", "the invoice is attached",
    ];

    private static readonly string[] Other =
    [
        "nos vemos mañana", "¿dónde estás?", "muchas gracias por todo", "bis später", "das klingt gut",
        "Frühstück um acht?", "увидимся завтра", "спасибо большое", "где ты сейчас", "明天见", "我们晚上吃火锅吧",
        "数据库迁移完成了", "会议改到下午三点", "ありがとうございます", "東京駅で待ってます", "今日は雨ですね", "また明日",
        "안녕하세요", "내일 봐요", "c'est parfait", "à tout à l'heure", "obrigado pela ajuda",
    ];

    private static readonly string[] Emoji =
    [
        "🎉", "👍", "😂", "❤️", "🔥", "🙏", "😅", "🚀", "☕", "🍕", "👀", "✅", "🤔", "😊", "🥳", "👋🏽", "🏔️", "🇯🇵",
    ];

    /// <summary>Reactions: short emoji sequences, some of several code points.</summary>
    public static readonly string[] Reactions = ["👍", "❤️", "😂", "🎉", "🔥", "😮", "😢", "🙏", "👀", "✅", "👍🏽", "🏳️‍🌈"];

    public static string Message(Random random)
    {
        var builder = new StringBuilder(96);
        var parts = 1 + (random.Next(10) < 7 ? 0 : random.Next(1, 3));
        for (var i = 0; i < parts; i++)
        {
            if (i > 0)
            {
                builder.Append(random.Next(3) == 0 ? ". " : ", ");
            }

            builder.Append(random.Next(100) < 78 ? English[random.Next(English.Length)] : Other[random.Next(Other.Length)]);
        }

        if (random.Next(100) < 25)
        {
            builder.Append(' ').Append(Emoji[random.Next(Emoji.Length)]);
        }

        if (random.Next(100) < 3)
        {
            // A few long messages, as pasted logs and paragraphs are.
            var repeat = random.Next(5, 40);
            for (var i = 0; i < repeat; i++)
            {
                builder.Append(' ').Append(English[random.Next(English.Length)]);
            }
        }

        return builder.ToString();
    }

    public static readonly string[] FirstNames =
    [
        "maria", "james", "wei", "yuki", "fatima", "lucas", "olga", "ahmed", "sofia", "kenji", "amara", "noah", "lena", "ravi",
        "chloe", "mateo", "hana", "omar", "emma", "ivan", "zara", "leo", "mei", "diego",
    ];

    public static readonly string[] LastNames =
    [
        "chen", "garcia", "smith", "tanaka", "khan", "muller", "ivanova", "silva", "kim", "rossi", "nguyen", "okafor", "cohen",
        "larsen", "dubois", "patel", "sato", "novak", "lopez", "berg",
    ];

    public static readonly string[] GroupTitles =
    [
        "Weekend hike", "Platform team", "Book club", "Family", "Release 2.0", "Football on Thursday", "Flatmates", "読書会",
        "周末聚餐", "Design review", "On-call", "Climbing 🧗", "Trip to Lisbon", "Garden club", "Incident room",
    ];
}
