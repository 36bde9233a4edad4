using System.CommandLine;
using System.Globalization;
using Confab.Storage.Engines;
using Confab.Tools.Seeding;
using Confab.Tools.Synthetic;
using Spectre.Console;

namespace Confab.Cli;

/// <summary><c>db seed</c>: the demo data set, or with <c>--generate</c> a synthetic one of any size.</summary>
internal static class SeedVerb
{
    public static Command Build(CliContext context)
    {
        var generate = new Option<bool>("--generate") { Description = "Generate a synthetic data set instead of the demo users and chats" };
        var users = new Option<int>("--users") { Description = "Synthetic users to create", DefaultValueFactory = _ => 1000, HelpName = "N" };
        var messages = new Option<long>("--messages") { Description = "Synthetic messages to create", DefaultValueFactory = _ => 100_000, HelpName = "M" };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same data", DefaultValueFactory = _ => 1, HelpName = "S" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var command = new Command(
            "seed",
            "Load demo data (alice, bob, charlie, diana with chats; a second run changes nothing), or with --generate "
            + "a reproducible synthetic data set of realistic shape.")
        {
            generate, users, messages, seed, json,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            if (!parse.GetValue(generate))
            {
                if (new Option[] { users, messages, seed }.Any(o => parse.GetResult(o) is { Implicit: false }))
                {
                    throw new CliUsageException("--users, --messages and --seed go with --generate");
                }

                var demo = await DemoSeed.RunAsync(database, ct);
                if (parse.GetValue(json))
                {
                    context.WriteJson(demo);
                }
                else
                {
                    context.Line(demo.Created
                        ? $"Seeded the demo data into {CliOutput.Esc(target.Display)}: {demo.Users} users, {demo.Conversations} conversations, {demo.Messages} messages."
                        : $"The demo data is already in {CliOutput.Esc(target.Display)}; nothing changed.");
                }

                return ExitCodes.Success;
            }

            var options = new SyntheticOptions { Users = parse.GetValue(users), Messages = parse.GetValue(messages), Seed = parse.GetValue(seed) };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new CliUsageException(ex.Message.Split(" (Parameter", 2)[0]);
            }

            var result = parse.GetValue(json)
                ? await SyntheticGenerator.RunAsync(database, options, null, ct)
                : await GenerateWithProgressAsync(context, database, options, ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(new
                {
                    result.Users,
                    result.Conversations,
                    result.Messages,
                    rows = result.RowsByTable,
                    seconds = result.Elapsed.TotalSeconds,
                    loadSeconds = result.LoadTime.TotalSeconds,
                    indexSeconds = result.IndexTime.TotalSeconds,
                    messagesPerSecond = result.Messages / Math.Max(result.Elapsed.TotalSeconds, 0.001),
                });
            }
            else
            {
                var rate = result.Messages / Math.Max(result.Elapsed.TotalSeconds, 0.001);
                context.Line(string.Create(CultureInfo.InvariantCulture,
                    $"Generated {result.Users:N0} users, {result.Conversations:N0} conversations and {result.Messages:N0} messages "
                    + $"({result.RowsByTable.Values.Sum():N0} rows) in {result.Elapsed.TotalSeconds:0.0} s: {rate:N0} messages/s "
                    + $"(loading {result.LoadTime.TotalSeconds:0.0} s, indexes and foreign keys {result.IndexTime.TotalSeconds:0.0} s)."));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<SyntheticResult> GenerateWithProgressAsync(CliContext context, ConfabDatabase database, SyntheticOptions options, CancellationToken cancellationToken)
    {
        SyntheticResult? result = null;
        await context.Out.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("messages", maxValue: Math.Max(1, options.Messages));
                result = await SyntheticGenerator.RunAsync(database, options, new Progress<long>(done => task.Value = done), cancellationToken);
                task.Value = task.MaxValue;
            });
        return result!;
    }
}
