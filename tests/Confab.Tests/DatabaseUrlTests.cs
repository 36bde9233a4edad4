using Confab.Storage;
using Confab.Storage.Engines;
using Npgsql;

namespace Confab.Tests;

public class DatabaseUrlTests
{
    [Fact]
    public void Sqlite_path_resolves_to_a_full_path()
    {
        var target = DatabaseUrl.Parse("sqlite:data/chat.db");
        Assert.Equal(DatabaseEngine.Sqlite, target.Engine);
        Assert.Equal(Path.GetFullPath("data/chat.db"), target.SqlitePath);
        Assert.Equal("sqlite:data/chat.db", target.Display);
    }

    [Fact]
    public void Sqlite_memory_is_recognised()
    {
        Assert.True(DatabaseUrl.Parse("sqlite::memory:").IsInMemory);
    }

    [Fact]
    public void Sqlite_options_set_durability_and_the_busy_timeout()
    {
        var target = DatabaseUrl.Parse("sqlite:chat.db?synchronous=full&busy_timeout=2500");
        Assert.Equal("FULL", target.SqliteSynchronous);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), target.SqliteBusyTimeout);
        Assert.Equal(Path.GetFullPath("chat.db"), target.SqlitePath);
        Assert.Equal("NORMAL", DatabaseUrl.Parse("sqlite:chat.db").SqliteSynchronous);
    }

    [Fact]
    public void Postgres_url_carries_user_password_host_port_database_and_options()
    {
        var target = DatabaseUrl.Parse("postgres://chat%40ops:s%3Acret@db.example.com:6543/confab?sslmode=require&pool_size=40&application_name=node1");
        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(DatabaseEngine.Postgres, target.Engine);
        Assert.Equal("chat@ops", builder.Username);
        Assert.Equal("s:cret", builder.Password);
        Assert.Equal("db.example.com", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("confab", builder.Database);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal(40, builder.MaxPoolSize);
        Assert.Equal("node1", builder.ApplicationName);
    }

    [Theory]
    [InlineData("postgresql://u@localhost/db")]
    [InlineData("postgres://u@[::1]:5432/db")]
    public void Postgres_url_variants_parse(string url)
    {
        var target = DatabaseUrl.Parse(url);
        Assert.Equal("db", target.DatabaseName);
    }

    [Fact]
    public void Several_hosts_are_kept_with_their_ports()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.Parse("postgres://u@h1:5432,h2:5433/db").ConnectionString);
        Assert.Equal("h1:5432,h2:5433", builder.Host);
    }

    [Fact]
    public void Npgsql_keyword_string_is_accepted()
    {
        var target = DatabaseUrl.Parse("Host=127.0.0.1;Port=5433;Username=confab;Password=pw;Database=chat");
        Assert.Equal(DatabaseEngine.Postgres, target.Engine);
        Assert.Equal("chat", target.DatabaseName);
    }

    [Theory]
    [InlineData("postgres://confab:hunter2secret@localhost/db")]
    [InlineData("Host=localhost;Username=confab;Password=hunter2secret;Database=db")]
    public void The_password_never_appears_in_the_display_form(string url)
    {
        var target = DatabaseUrl.Parse(url);
        Assert.DoesNotContain("hunter2secret", target.Display, StringComparison.Ordinal);
        Assert.Contains("***", target.Display, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", target.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql://u@localhost/db", "unknown database URL scheme 'mysql'")]
    [InlineData("", "empty")]
    [InlineData("sqlite:", "needs a file path")]
    [InlineData("postgres://u@localhost:99999/db", "not a port number")]
    [InlineData("postgres://u@localhost:abc/db", "not a port number")]
    [InlineData("postgres://u@localhost", "names no database")]
    [InlineData("postgres://u@localhost/db?colour=blue", "unknown PostgreSQL URL option 'colour'")]
    [InlineData("postgres://u@localhost/db?pool_size=many", "pool_size='many' is not valid")]
    [InlineData("Host=localhost;Nonsense=1;Database=x", "malformed")]
    [InlineData("just-a-word", "is not a database URL")]
    [InlineData("sqlite:chat.db?synchronous=off", "synchronous='off' is not valid")]
    [InlineData("sqlite:chat.db?busy_timeout=-1", "busy_timeout='-1' is not valid")]
    [InlineData("sqlite:chat.db?cache=shared", "unknown SQLite URL option 'cache'")]
    public void Malformed_urls_are_rejected_with_a_reason(string url, string reason)
    {
        var error = Assert.Throws<DatabaseUrlException>(() => DatabaseUrl.Parse(url));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_url_error_does_not_echo_the_password()
    {
        var error = Assert.Throws<DatabaseUrlException>(() => DatabaseUrl.Parse("postgres://u:topsecret1@localhost/db?password=&sslmode=sideways"));
        Assert.DoesNotContain("topsecret1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_prefers_the_option_then_confab_db_then_database_url_then_the_default()
    {
        var env = new Dictionary<string, string?> { ["CONFAB_DB"] = "sqlite:a.db", ["DATABASE_URL"] = "sqlite:b.db" };
        Assert.Equal("sqlite:x.db", DatabaseUrl.Resolve("sqlite:x.db", k => env.GetValueOrDefault(k)));
        Assert.Equal("sqlite:a.db", DatabaseUrl.Resolve(null, k => env.GetValueOrDefault(k)));
        env["CONFAB_DB"] = null;
        Assert.Equal("sqlite:b.db", DatabaseUrl.Resolve(null, k => env.GetValueOrDefault(k)));
        Assert.Equal("sqlite:confab.db", DatabaseUrl.Resolve(" ", _ => null));
    }
}
