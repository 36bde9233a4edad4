using System.Globalization;
using Npgsql;

namespace Confab.Storage.Engines;

/// <summary>
/// Parses the one option every verb shares: <c>sqlite:PATH</c>, <c>sqlite::memory:</c>,
/// <c>postgres://user:pass@host:port/db?sslmode=...</c> (also <c>postgresql://</c>) or an Npgsql keyword string.
/// </summary>
public static class DatabaseUrl
{
    public const string DefaultUrl = "sqlite:confab.db";

    // URL query keys and the Npgsql keywords they set. Keys follow libpq where libpq has one.
    private static readonly Dictionary<string, string> QueryKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["pool_size"] = "Maximum Pool Size",
        ["max_pool_size"] = "Maximum Pool Size",
        ["min_pool_size"] = "Minimum Pool Size",
        ["pooling"] = "Pooling",
        ["connect_timeout"] = "Timeout",
        ["command_timeout"] = "Command Timeout",
        ["application_name"] = "Application Name",
        ["target_session_attrs"] = "Target Session Attributes",
        ["search_path"] = "Search Path",
        ["host"] = "Host",
        ["port"] = "Port",
        ["user"] = "Username",
        ["password"] = "Password",
        ["keepalive"] = "Keepalive",
    };

    /// <summary>Chooses the URL the way every verb does: the option, then CONFAB_DB, then DATABASE_URL, then the default.</summary>
    public static string Resolve(string? option, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var candidate in new[] { option, environment("CONFAB_DB"), environment("DATABASE_URL") })
        {
            if (!string.IsNullOrWhiteSpace(candidate))
            {
                return candidate.Trim();
            }
        }

        return DefaultUrl;
    }

    public static DatabaseTarget Parse(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new DatabaseUrlException("the database URL is empty; use sqlite:PATH or postgres://user@host/db");
        }

        url = url.Trim();
        if (url.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            return ParseSqlite(url["sqlite:".Length..]);
        }

        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return ParsePostgresUrl(url);
        }

        var colon = url.IndexOf(':', StringComparison.Ordinal);
        if (url.Contains('=', StringComparison.Ordinal) && (colon < 0 || url.IndexOf('=', StringComparison.Ordinal) < colon))
        {
            return ParseKeywordString(url);
        }

        if (colon > 0)
        {
            var scheme = url[..colon];
            throw new DatabaseUrlException(
                $"unknown database URL scheme '{scheme}'; use sqlite:PATH or postgres://user@host:port/db");
        }

        throw new DatabaseUrlException(
            $"'{url}' is not a database URL; use sqlite:PATH or postgres://user@host:port/db");
    }

    private static DatabaseTarget ParseSqlite(string path)
    {
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        var query = string.Empty;
        var q = path.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = path[(q + 1)..];
            path = path[..q];
        }

        if (path.Length == 0)
        {
            throw new DatabaseUrlException("sqlite: needs a file path, e.g. sqlite:confab.db or sqlite::memory:");
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new DatabaseUrlException("the SQLite path contains a character that cannot be in a file name");
        }

        var memory = path == ":memory:";
        var full = memory ? path : Path.GetFullPath(path);
        var target = memory
            ? new DatabaseTarget(DatabaseEngine.Sqlite, "Data Source=:memory:", "sqlite::memory:") { SqlitePath = path }
            : new DatabaseTarget(DatabaseEngine.Sqlite, $"Data Source={full}", $"sqlite:{path}") { SqlitePath = full };
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq >= 0 ? pair[..eq] : pair;
            var value = eq >= 0 ? pair[(eq + 1)..] : string.Empty;
            target = key.ToLowerInvariant() switch
            {
                "synchronous" when value.ToUpperInvariant() is "NORMAL" or "FULL" => target with { SqliteSynchronous = value.ToUpperInvariant() },
                "synchronous" => throw new DatabaseUrlException($"SQLite URL option synchronous='{value}' is not valid; use normal or full"),
                "busy_timeout" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 600_000 =>
                    target with { SqliteBusyTimeout = TimeSpan.FromMilliseconds(ms) },
                "busy_timeout" => throw new DatabaseUrlException($"SQLite URL option busy_timeout='{value}' is not valid; use milliseconds up to 600000"),
                _ => throw new DatabaseUrlException($"unknown SQLite URL option '{key}'; known options: busy_timeout, synchronous"),
            };
        }

        return target;
    }

    private static DatabaseTarget ParsePostgresUrl(string url)
    {
        // Multi-host URLs (h1:5432,h2:5432) are not valid System.Uri authorities, so split by hand.
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = string.Empty;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? Unescape(rest[(slash + 1)..], "database name") : string.Empty;
        if (database.Contains('/', StringComparison.Ordinal))
        {
            throw new DatabaseUrlException("the PostgreSQL URL has more than one path segment; expected postgres://user@host:port/db");
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Unescape(colon >= 0 ? userInfo[..colon] : userInfo, "user name");
            if (colon >= 0)
            {
                builder.Password = Unescape(userInfo[(colon + 1)..], "password");
            }
        }

        if (authority.Length > 0)
        {
            ApplyHosts(builder, authority);
        }

        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Unescape(eq >= 0 ? pair[..eq] : pair, "query key");
            var value = eq >= 0 ? Unescape(pair[(eq + 1)..], key) : string.Empty;
            if (!QueryKeywords.TryGetValue(key, out var keyword))
            {
                throw new DatabaseUrlException(
                    $"unknown PostgreSQL URL option '{key}'; known options: {string.Join(", ", QueryKeywords.Keys.Order(StringComparer.Ordinal))}");
            }

            SetKeyword(builder, keyword, value, key);
        }

        return Finish(builder);
    }

    private static void ApplyHosts(NpgsqlConnectionStringBuilder builder, string authority)
    {
        var hosts = authority.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(SplitHostPort).ToList();
        if (hosts.Count == 1)
        {
            builder.Host = hosts[0].Host;
            if (hosts[0].Port is { } port)
            {
                builder.Port = port;
            }

            return;
        }

        // Npgsql takes several hosts as "h1:p1,h2:p2" in its Host keyword.
        builder.Host = string.Join(',', hosts.Select(h => h.Port is { } p ? $"{h.Host}:{p}" : h.Host));
    }

    private static (string Host, int? Port) SplitHostPort(string part)
    {
        var host = part;
        string? portText = null;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new DatabaseUrlException("the PostgreSQL URL has an unclosed '[' in its host");
            }

            portText = close + 1 < host.Length && host[close + 1] == ':' ? host[(close + 2)..] : null;
            host = host[1..close];
        }
        else if (host.LastIndexOf(':') is var colon and >= 0)
        {
            portText = host[(colon + 1)..];
            host = host[..colon];
        }

        if (portText is null)
        {
            return (Unescape(host, "host"), null);
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new DatabaseUrlException($"'{portText}' is not a port number (1-65535)");
        }

        return (Unescape(host, "host"), port);
    }

    private static DatabaseTarget ParseKeywordString(string text)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException ex)
        {
            // The driver's message names the keyword, never its value.
            throw new DatabaseUrlException($"the Npgsql connection string is malformed: {ex.Message}");
        }

        return Finish(builder);
    }

    private static void SetKeyword(NpgsqlConnectionStringBuilder builder, string keyword, string value, string key)
    {
        try
        {
            builder[keyword] = value;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            var shown = keyword == "Password" ? "***" : value;
            throw new DatabaseUrlException($"PostgreSQL URL option {key}='{shown}' is not valid");
        }
    }

    private static DatabaseTarget Finish(NpgsqlConnectionStringBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Host))
        {
            builder.Host = "localhost";
        }

        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new DatabaseUrlException("the PostgreSQL URL names no database; add it as the path: postgres://user@host:port/DBNAME");
        }

        var display = Redact(builder);
        return new DatabaseTarget(DatabaseEngine.Postgres, builder.ConnectionString, display) { DatabaseName = builder.Database };
    }

    /// <summary>The postgres:// form of a connection, with the password masked.</summary>
    public static string Redact(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var user = string.IsNullOrEmpty(builder.Username) ? string.Empty : Uri.EscapeDataString(builder.Username);
        var secret = string.IsNullOrEmpty(builder.Password) ? string.Empty : ":***";
        var userInfo = user.Length + secret.Length > 0 ? $"{user}{secret}@" : string.Empty;
        var host = builder.Host ?? "localhost";
        var port = builder.Host?.Contains(',', StringComparison.Ordinal) == true ? string.Empty : $":{builder.Port}";
        return $"postgres://{userInfo}{host}{port}/{builder.Database}";
    }

    private static string Unescape(string text, string what)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            throw new DatabaseUrlException($"the PostgreSQL URL's {what} has a malformed %-escape");
        }
    }
}
