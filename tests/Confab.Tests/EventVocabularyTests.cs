using System.Text.RegularExpressions;
using Confab.Chat.Realtime;
using Confab.Storage.Migrations;

namespace Confab.Tests;

public partial class EventVocabularyTests
{
    public static TheoryData<string> Signals() =>
    [
        Signal.Encode(new Signal.ConversationChanged(Guid.NewGuid(), 42)),
        Signal.Encode(new Signal.UserChanged(Guid.NewGuid(), 7)),
        Signal.Encode(new Signal.SessionRevoked(Guid.NewGuid(), Guid.NewGuid())),
        Signal.Encode(new Signal.Typing("node1", Guid.NewGuid(), Guid.NewGuid(), true)),
        Signal.Encode(new Signal.Presence("node1", Guid.NewGuid(), "away")),
        Signal.Encode(new Signal.Heartbeat("node1", "online", [Guid.NewGuid(), Guid.NewGuid()])),
    ];

    [Theory]
    [MemberData(nameof(Signals))]
    public void Every_signal_decodes_to_what_was_encoded(string payload) =>
        Assert.Equal(payload, Signal.Encode(Signal.Decode(payload)!));

    [Fact]
    public void A_signal_of_the_form_the_database_writes_decodes()
    {
        var conversation = Guid.NewGuid();

        // What the trigger of migration 0002 and SQLite's TEMP trigger build: 'c:' || conversation_id || ':' || seq.
        var decoded = Signal.Decode("c:" + conversation + ":" + 12);
        Assert.Equal(new Signal.ConversationChanged(conversation, 12), decoded);
    }

    [Theory]
    [InlineData("x:1:2")]
    [InlineData("c:1")]
    public void An_unknown_form_is_ignored(string payload) => Assert.Null(Signal.Decode(payload));

    [Fact]
    public void A_known_form_with_bad_fields_is_refused() => Assert.Throws<FormatException>(() => Signal.Decode("c:not-an-id:1"));

    [Theory]
    [InlineData("sqlite", "conversation_events_kind_values")]
    [InlineData("postgres", "conversation_events_kind_values")]
    [InlineData("sqlite", "user_events_kind_values")]
    [InlineData("postgres", "user_events_kind_values")]
    public void The_vocabulary_lists_exactly_the_kinds_the_schema_allows(string dialect, string constraint)
    {
        var schema = MigrationCatalog.EmbeddedFiles().Single(f => f.Dialect == dialect && f.FileName.StartsWith("0001", StringComparison.Ordinal) && f.FileName.EndsWith(".up.sql", StringComparison.Ordinal)).Text;
        var start = schema.IndexOf(constraint, StringComparison.Ordinal);
        var list = schema[start..schema.IndexOf("))", start, StringComparison.Ordinal)];
        var allowed = Quoted().Matches(list).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        var vocabulary = constraint.StartsWith("user", StringComparison.Ordinal) ? UserEventKind.All : EventKind.All;
        Assert.Equal(allowed, vocabulary.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Payloads_are_camel_case_and_omit_an_absent_reason()
    {
        var user = Guid.NewGuid();
        Assert.Equal($$"""{"userId":"{{user}}","seq":3}""", EventPayload.Write(new ReceiptMove(user, 3)));
        Assert.Equal("{}", EventPayload.Write(new MessageDeletion(null)));
        Assert.Equal(user, EventPayload.Read<MemberChange>($$"""{"userId":"{{user}}"}""")!.UserId);
    }

    [GeneratedRegex("'([a-z_.]+)'")]
    private static partial Regex Quoted();
}
