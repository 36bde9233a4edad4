namespace Confab.Tools.Port;

/// <summary>What a port reports while it runs: the CLI draws progress bars from it, tests stop the port at each point.</summary>
public interface IPortProgress
{
    void PhaseStarted(string phase);

    /// <summary>A unit of work starts: a table to copy, scan or compare, or a build step. Total is in rows (1 for a step).</summary>
    void WorkStarted(string phase, string item, long total);

    /// <summary>Rows (or a step) committed for the item: a batch boundary.</summary>
    void Advanced(string phase, string item, long done);

    void WorkFinished(string phase, string item);
}

/// <summary>Reports nothing.</summary>
public sealed class NoPortProgress : IPortProgress
{
    public static readonly NoPortProgress Instance = new();

    public void PhaseStarted(string phase)
    {
    }

    public void WorkStarted(string phase, string item, long total)
    {
    }

    public void Advanced(string phase, string item, long done)
    {
    }

    public void WorkFinished(string phase, string item)
    {
    }
}
