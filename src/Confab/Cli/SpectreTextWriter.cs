using System.Text;
using Spectre.Console;

namespace Confab.Cli;

/// <summary>Lets System.CommandLine's help text go to the same console as everything else.</summary>
internal sealed class SpectreTextWriter(IAnsiConsole console) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => console.Profile.Out.Writer.Write(value);

    public override void Write(string? value) => console.Profile.Out.Writer.Write(value);

    public override void WriteLine(string? value) => console.Profile.Out.Writer.WriteLine(value);
}
