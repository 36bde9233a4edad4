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
    public void Anything_else_is_not(string value) => Assert.False(Emoji.IsReaction(value));
}
