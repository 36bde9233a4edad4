using System.Globalization;

namespace Confab.Tools;

/// <summary>Sizes as people read them: B, KiB, MiB, GiB. One rule for every report and verb.</summary>
public static class ByteSize
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;
    private const long GiB = 1024 * MiB;

    public static string Format(long bytes) => bytes switch
    {
        < KiB => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < MiB => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)KiB:0.0} KiB"),
        < GiB => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)MiB:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)GiB:0.00} GiB"),
    };
}
