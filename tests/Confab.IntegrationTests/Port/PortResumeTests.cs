using System.Diagnostics;
using Confab.Storage.Engines;
using Confab.Tools.Port;
using Dapper;

namespace Confab.IntegrationTests.Port;

public class PortResumeTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite, TestDatabase.Postgres)]
    [InlineData(TestDatabase.Postgres, TestDatabase.Sqlite)]
    public async Task Stopping_at_every_phase_and_batch_boundary_then_resuming_gives_an_exact_copy(string from, string to)
    {
        await using var source = await PortFixtures.SourceAsync(from, messages: 400);
        var options = new PortOptions { BatchSize = 700, Verify = false, RetryDelay = TimeSpan.FromMilliseconds(10) };

        // A full run counts the boundaries: every phase start and every committed batch or build step.
        int boundaries;
        await using (var probe = await TestDatabase.CreateAsync(to, create: false))
        {
            var counter = new StopAt(int.MaxValue);
            await PortFixtures.PortAsync(source, probe, options, counter);
            boundaries = counter.Seen;
        }

        Assert.True(boundaries > 20, $"only {boundaries} boundaries");
        for (var stopAt = 1; stopAt <= boundaries; stopAt += from == TestDatabase.Sqlite ? 1 : 3)
        {
            await using var target = await TestDatabase.CreateAsync(to, create: false);
            var stop = new StopAt(stopAt);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PortFixtures.PortAsync(source, target, options, stop, stop.Token));

            var resumed = await ResumeAsync(source, target, options);

            Assert.Equal("complete", resumed.Outcome);
            var check = await PortFixtures.VerifyAsync(source, target);
            Assert.True(check.Matches, $"stopped at boundary {stopAt} ({stop.Where}): {PortFixtures.Describe(check)}");
        }
    }

    [Fact]
    public async Task A_port_killed_with_sigkill_resumes_with_no_missing_and_no_duplicated_row()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 6000);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        using var port = ConfabProcess.Start("db", "port", "--from", source.Url, "--to", target.Url, "--batch-size", "200", "--no-verify");
        await using (var db = target.Open())
        {
            // Kill once some batches of messages are committed, mid-table.
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (await CommittedMessagesAsync(db) >= 1000)
                {
                    break;
                }

                await Task.Delay(20);
            }
        }

        port.Kill(entireProcessTree: true);
        await port.WaitForExitAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
        var copiedBefore = await PortFixtures.CountAsync(target, "messages");
        Assert.InRange(copiedBefore, 1000, await PortFixtures.CountAsync(source, "messages") - 1);

        var (code, output, error) = await ConfabProcess.RunAsync("db", "port", "--from", source.Url, "--to", target.Url, "--resume");

        Assert.True(code == 0, output + error);
        Assert.Contains("identical", output, StringComparison.Ordinal);
        var check = await PortFixtures.VerifyAsync(source, target);
        Assert.True(check.Matches, PortFixtures.Describe(check));
    }

    [Fact]
    public async Task A_second_full_port_into_an_unfinished_one_is_refused_and_points_at_resume()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 200);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var stop = new StopAt(12);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PortFixtures.PortAsync(source, target, new PortOptions { BatchSize = 100 }, stop, stop.Token));

        var error = await Assert.ThrowsAsync<Confab.Storage.StorageOperationException>(() => PortFixtures.PortAsync(source, target));

        Assert.Contains("--resume", error.Message, StringComparison.Ordinal);
    }

    private static async Task<PortReport> ResumeAsync(TestDatabase source, TestDatabase target, PortOptions options)
    {
        // Stopped before the port recorded itself in the target: nothing to resume, a fresh port starts over.
        await using var db = target.Open();
        var started = await db.ExistsAsync(PortFixtures.None) && await HasStateAsync(db);
        return await PortFixtures.PortAsync(source, target, options with { Resume = started });
    }

    private static async Task<bool> HasStateAsync(ConfabDatabase db)
    {
        await using var connection = await db.OpenConnectionAsync(PortFixtures.None);
        var sql = db.Engine == DatabaseEngine.Postgres
            ? "SELECT count(*) FROM pg_tables WHERE tablename = 'confab_port_state' AND schemaname = current_schema()"
            : "SELECT count(*) FROM sqlite_master WHERE name = 'confab_port_state'";
        return await connection.ExecuteScalarAsync<long>(sql) > 0
            && await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM confab_port_state WHERE name = 'source'") > 0;
    }

    private static async Task<long> CommittedMessagesAsync(ConfabDatabase db)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(PortFixtures.None);
            return await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(rows_copied), 0) FROM confab_port_tables WHERE table_name = 'messages'");
        }
        catch (Exception ex) when (ex is Npgsql.PostgresException or Confab.Storage.DatabaseUnavailableException)
        {
            return 0;
        }
    }

    /// <summary>Cancels the port when it reaches the Nth boundary (a phase start or a committed batch or step).</summary>
    private sealed class StopAt(int n) : IPortProgress
    {
        private readonly CancellationTokenSource cancel = new();

        public int Seen { get; private set; }

        public string Where { get; private set; } = string.Empty;

        public CancellationToken Token => cancel.Token;

        public void PhaseStarted(string phase) => Boundary(phase);

        public void WorkStarted(string phase, string item, long total)
        {
        }

        public void Advanced(string phase, string item, long done) => Boundary($"{phase} {item} {done}");

        public void WorkFinished(string phase, string item)
        {
        }

        private void Boundary(string where)
        {
            lock (cancel)
            {
                if (++Seen == n)
                {
                    Where = where;
                    cancel.Cancel();
                }
            }
        }
    }
}
