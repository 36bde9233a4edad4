using System.CommandLine;
using Confab.Chat.Accounts;
using Confab.Chat.Sessions;
using Confab.Storage.Engines;

namespace Confab.Cli;

/// <summary><c>confab users promote NAME</c>: make a user an administrator.</summary>
internal static class UsersCommands
{
    public static Command Build(CliContext context)
    {
        var users = new Command("users", "Manage accounts from the command line.");
        var name = new Argument<string>("NAME") { Description = "The username" };
        var promote = new Command("promote", "Make a user an administrator (audited).") { name };
        promote.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            if (!await database.ExistsAsync(ct))
            {
                throw Storage.StorageErrors.Missing(target);
            }

            try
            {
                var admins = new AdminStore(database, new SessionStore(database, new SessionPolicy(), TimeProvider.System), TimeProvider.System);
                var user = await admins.PromoteAsync(parse.GetValue(name)!, ct);
                context.Line($"[bold]{CliOutput.Esc(user.Username)}[/] is an administrator.");
                return ExitCodes.Success;
            }
            catch (Chat.ChatException ex) when (ex.Kind == Chat.ChatErrorKind.NotFound)
            {
                throw new Storage.StorageOperationException(ex.Message, ex);
            }
        }));
        users.Subcommands.Add(promote);
        return users;
    }
}
