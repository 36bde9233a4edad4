using System.CommandLine;

namespace Confab.Cli;

/// <summary><c>confab db ...</c>: the database's whole life.</summary>
internal static class DbCommands
{
    public static Command Build(CliContext context)
    {
        var db = new Command("db", "Manage the database: migrations, schema checks, seed data, port between engines and verify, backup and restore, health and maintenance.");
        db.Subcommands.Add(MigrateVerbs.Migrate(context));
        db.Subcommands.Add(MigrateVerbs.Rollback(context));
        db.Subcommands.Add(StatusVerb.Build(context));
        db.Subcommands.Add(MigrateVerbs.Reset(context));
        db.Subcommands.Add(NewMigrationVerb.Build(context));
        db.Subcommands.Add(RepairVerb.Build(context));
        db.Subcommands.Add(VerifySchemaVerb.Build(context));
        db.Subcommands.Add(SeedVerb.Build(context));
        db.Subcommands.Add(PortVerbs.Port(context));
        db.Subcommands.Add(PortVerbs.Verify(context));
        db.Subcommands.Add(BackupVerbs.Backup(context));
        db.Subcommands.Add(BackupVerbs.Restore(context));
        db.Subcommands.Add(DoctorVerb.Build(context));
        db.Subcommands.Add(MaintainVerbs.Maintain(context));
        db.Subcommands.Add(MaintainVerbs.Stats(context));
        return db;
    }
}
