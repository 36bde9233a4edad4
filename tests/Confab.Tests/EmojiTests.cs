using Confab.Chat.Messages;

namespace Confab.Tests;

public class EmojiTests
{
    [Theory]
    [InlineData("👍")]
    [InlineData("👍🏽")]
    [InlineData("❤️")]
    [InlineData("🏳️‍🌈")]
    [InlineData("👩‍👩‍👧‍👦")]
    [InlineData("🇯🇵")]
    [InlineData("#️⃣")]
    [InlineData("⭐")]
    [InlineData("\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F")] // England
    [InlineData("🧑🏻‍❤️‍💋‍🧑🏼")]
    public void Single_emoji_sequences_are_reactions(string emoji) => Assert.True(Emoji.IsReaction(emoji));

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("1")]
    [InlineData("👍👍")]
    [InlineData("👍a")]
    [InlineData("<script>")]
    [InlineData("\u200D")]
    [InlineData("字")]
    [InlineData("\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E0067\U000E0067\U000E0067\U000E007F")] // a flag stretched with tags
    [InlineData("👍\U000E0067\U000E007F")] // tags on anything but the black flag
    [InlineData("👍\u200D👍\u200D👍\u200D👍\u200D👍\u200D👍")] // a joiner chain longer than any real sequence
    public void Anything_else_is_not(string value) => Assert.False(Emoji.IsReaction(value));
}
