using Spectre.Console;

namespace T2.Cli;

/// <summary>Where a verb writes: a Spectre console for people, a plain writer for JSON, a writer for errors.</summary>
public sealed record CliContext(IAnsiConsole Console, TextWriter Out, TextWriter Error);
