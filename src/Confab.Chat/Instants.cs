namespace Confab.Chat;

/// <summary>Time as both databases store it: UTC with microsecond precision, so a value read back equals the one written.</summary>
internal static class Instants
{
    public static DateTime Now(this TimeProvider clock) => Micro(clock.GetUtcNow().UtcDateTime);

    public static DateTime Micro(DateTime value) => new(value.Ticks - (value.Ticks % 10), DateTimeKind.Utc);
}
