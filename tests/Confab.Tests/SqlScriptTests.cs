using Confab.Storage.Sql;

namespace Confab.Tests;

public class SqlScriptTests
{
    [Fact]
    public void Statements_split_on_semicolons_with_their_starting_lines()
    {
        var statements = SqlScript.Split("-- header\nCREATE TABLE a (x int);\n\nCREATE TABLE b (y int);\n");
        Assert.Equal(["CREATE TABLE a (x int)", "CREATE TABLE b (y int)"], statements.Select(s => s.Text));
        Assert.Equal([2, 4], statements.Select(s => s.Line));
    }

    [Fact]
    public void Semicolons_inside_quotes_comments_and_dollar_quotes_do_not_split()
    {
        var script = """
            INSERT INTO t VALUES ('a;b', "c;d"); -- a comment; with a semicolon
            /* block; comment */ SELECT 1;
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
            """;
        var statements = SqlScript.Split(script);
        Assert.Equal(4, statements.Count);
        Assert.Contains("'a;b'", statements[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("$$", statements[2].Text, StringComparison.Ordinal);
        Assert.EndsWith("$body$", statements[3].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_sqlite_trigger_body_stays_one_statement()
    {
        var script = """
            CREATE TRIGGER t AFTER UPDATE ON x FOR EACH ROW WHEN NEW.a = OLD.a
            BEGIN
                UPDATE x SET b = CASE WHEN NEW.c THEN 1 ELSE 2 END WHERE id = NEW.id;
                SELECT RAISE(ABORT, 'no; never');
            END;
            CREATE INDEX i ON x (a);
            """;
        var statements = SqlScript.Split(script);
        Assert.Equal(2, statements.Count);
        Assert.EndsWith("END", statements[0].Text, StringComparison.Ordinal);
        Assert.Equal(6, statements[1].Line);
    }

    [Fact]
    public void A_script_of_only_comments_has_no_statements()
    {
        Assert.Empty(SqlScript.Split("-- nothing here\n/* nor here */\n"));
    }
}
