namespace T2.Cli.Data;

/// <summary>Bad input: names the file, line (1-based, 0 = whole file) and column. The CLI prints it as one line, exit 2.</summary>
public sealed class InputException(string file, int line, string? column, string problem) : Exception(Format(file, line, column, problem))
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public string? Column { get; } = column;
    public string Problem { get; } = problem;

    private static string Format(string file, int line, string? column, string problem)
    {
        var where = line > 0 ? $"{file}:{line}" : file;
        return column is null ? $"{where}: {problem}" : $"{where}: column '{column}': {problem}";
    }
}
