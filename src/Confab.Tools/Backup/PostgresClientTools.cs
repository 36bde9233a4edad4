using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Confab.Storage;
using Confab.Storage.Engines;
using Npgsql;

namespace Confab.Tools.Backup;

/// <summary>
/// Finds and runs PostgreSQL's own client programs (pg_dump, pg_restore). They are looked for in $CONFAB_PG_BIN when
/// it is set (only there), else on PATH, then in Debian's /usr/lib/postgresql/N/bin (newest first). pg_dump must be at least the server's
/// major version; an older one refuses or writes a dump that misses what it does not know.
/// </summary>
public sealed partial class PostgresClientTools
{
    private readonly Func<string, string?> environment;

    public PostgresClientTools(Func<string, string?>? environment = null)
    {
        this.environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>The program to run for <paramref name="name"/> against a server of <paramref name="serverMajor"/>, with its version.</summary>
    public async Task<(string Path, string Version)> LocateAsync(string name, int serverMajor, CancellationToken cancellationToken)
    {
        var candidates = Candidates(name).ToList();
        if (candidates.Count == 0)
        {
            var looked = environment("CONFAB_PG_BIN") is { Length: > 0 } bin ? $"$CONFAB_PG_BIN ({bin})" : "PATH and /usr/lib/postgresql/*/bin";
            throw new StorageOperationException(
                $"{name} was not found (looked in {looked}). It comes with PostgreSQL's client "
                + $"programs: on Debian or Ubuntu 'apt-get install postgresql-client-{serverMajor}', or set CONFAB_PG_BIN to the folder that holds it.");
        }

        var seen = new List<string>();
        foreach (var path in candidates)
        {
            var version = await VersionOfAsync(path, cancellationToken);
            seen.Add($"{path} ({version ?? "version unknown"})");
            if (version is not null && Major(version) >= serverMajor)
            {
                return (path, version);
            }
        }

        throw new StorageOperationException(
            $"{name} is too old for this PostgreSQL {serverMajor} server: found {string.Join(", ", seen)}. "
            + $"Install version {serverMajor} or newer ('apt-get install postgresql-client-{serverMajor}') or set CONFAB_PG_BIN to its folder.");
    }

    /// <summary>The server's major version (15 for 15.4).</summary>
    public static async Task<int> ServerMajorAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int / 10000", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs a client program against <paramref name="target"/>. Credentials travel in PG* environment variables,
    /// never on the command line, where other users of the machine could read them.
    /// </summary>
    public static async Task RunAsync(string program, IReadOnlyList<string> arguments, DatabaseTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(target);
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in ConnectionEnvironment(target))
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new StorageOperationException($"{program} could not be started");
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var errors = (await stderr).Trim();
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new StorageOperationException(
                $"{Path.GetFileName(program)} failed (exit {process.ExitCode}): {(errors.Length > 2000 ? errors[..2000] + " ..." : errors)}");
        }
    }

    /// <summary>PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE for a target.</summary>
    public static IReadOnlyDictionary<string, string> ConnectionEnvironment(DatabaseTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var b = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PGHOST"] = b.Host ?? "localhost",
            ["PGPORT"] = b.Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = b.Database ?? string.Empty,
            ["PGSSLMODE"] = b.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            },
            ["PGAPPNAME"] = "confab-backup",
        };
        if (b.Username is { } user)
        {
            env["PGUSER"] = user;
        }

        if (b.Password is { } password)
        {
            env["PGPASSWORD"] = password;
        }

        return env;
    }

    private IEnumerable<string> Candidates(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var folders = new List<string>();
        if (environment("CONFAB_PG_BIN") is { Length: > 0 } configured)
        {
            // Named on purpose: that folder only, so a wrong setting is reported rather than quietly bypassed.
            folders.Add(configured);
        }
        else
        {
            folders.AddRange((environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
            if (Directory.Exists("/usr/lib/postgresql"))
            {
                folders.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                    .Select(d => (Dir: d, Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0))
                    .OrderByDescending(d => d.Major)
                    .Select(d => Path.Combine(d.Dir, "bin")));
            }
        }

        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path) && seen.Add(Path.GetFullPath(path)))
            {
                yield return path;
            }
        }
    }

    private static async Task<string?> VersionOfAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var start = new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            string text;
            try
            {
                text = await process.StandardOutput.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No answer to --version within 10 s: not a candidate.
                process.Kill(entireProcessTree: true);
                return null;
            }

            var match = VersionPattern().Match(text);
            return match.Success ? match.Groups[1].Value : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not executable: not a candidate.
            return null;
        }
    }

    private static int Major(string version) => int.Parse(version.Split('.')[0], CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)")]
    private static partial Regex VersionPattern();
}
