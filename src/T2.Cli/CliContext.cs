using Spectre.Console;

namespace T2.Cli;

/// <summary>
/// Where a verb writes: a Spectre console for people, a plain writer for JSON, a writer for errors. The console is created
/// on first use, so JSON-only runs never pay for terminal detection.
/// </summary>
public sealed class CliContext
{
    private readonly Lazy<IAnsiConsole> _console;

    public CliContext(IAnsiConsole console, TextWriter output, TextWriter error) : this(() => console, output, error) { }

    public CliContext(Func<IAnsiConsole> console, TextWriter output, TextWriter error)
    {
        _console = new Lazy<IAnsiConsole>(console);
        Out = output; Error = error;
    }

    public IAnsiConsole Console => _console.Value;
    public TextWriter Out { get; }
    public TextWriter Error { get; }
}
