namespace Confab.Tools.Synthetic;

/// <summary>
/// Derives independent, reproducible seeds (SplitMix64), so each conversation's content depends on the run's
/// seed and its own index only — not on chunking, threads or the .NET version's hash randomisation.
/// </summary>
internal static class SplitMix
{
    public static int Derive(int seed, long stream)
    {
        var z = unchecked(((ulong)(uint)seed << 32) + (ulong)stream + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }
}
