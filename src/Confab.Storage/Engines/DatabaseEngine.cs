namespace Confab.Storage.Engines;

/// <summary>The database engines Confab runs on.</summary>
public enum DatabaseEngine
{
    Sqlite,
    Postgres,
}

public static class DatabaseEngineNames
{
    /// <summary>The folder name of an engine's migrations and the word used in reports.</summary>
    public static string Name(this DatabaseEngine engine) => engine switch
    {
        DatabaseEngine.Sqlite => "sqlite",
        DatabaseEngine.Postgres => "postgres",
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };
}
