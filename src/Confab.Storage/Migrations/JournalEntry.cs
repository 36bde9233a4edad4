namespace Confab.Storage.Migrations;

/// <summary>One applied migration as recorded in <c>schema_migrations</c>.</summary>
public sealed record JournalEntry(long Version, string Name, string Checksum, DateTime AppliedAt, long ExecutionMs);
