using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Spectre.Console;
using T2.Cli.Commands;
using T2.Cli.Data;

namespace T2.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, new CliContext(MakeConsole, Console.Out, Console.Error));

    // Piped output defaults to 80 columns; COLUMNS (as exported by shells and set by users) overrides the width.
    private static IAnsiConsole MakeConsole()
    {
        var console = AnsiConsole.Console;
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int w) && w >= 20 && w <= 1000) console.Profile.Width = w;
        return console;
    }

    /// <summary>The whole command tree, every numeric option parsed strictly, as Run parses it (the sweep tests walk it; a
    /// test checks README's and docs' commands against it).</summary>
    public static RootCommand BuildRoot(CliContext ctx)
    {
        var root = new RootCommand("t2 — Train-to-Test scaling laws: estimate pass@k, fit the laws, plan (N, D, k).");
        var fit = new Command("fit", "Fit scaling laws.");
        fit.Subcommands.Add(FitLossCommand.Build(ctx));
        fit.Subcommands.Add(FitT2Command.Build(ctx));
        fit.Subcommands.Add(FitDataWallCommand.Build(ctx));
        root.Subcommands.Add(fit);
        root.Subcommands.Add(PassKCommand.Build(ctx));
        root.Subcommands.Add(PlanCommand.Build(ctx));
        root.Subcommands.Add(PredictCommand.Build(ctx));
        root.Subcommands.Add(FrontierCommand.Build(ctx));
        root.Subcommands.Add(BenchCommand.Build(ctx));
        root.Subcommands.Add(TestbedCommand.Build(ctx));
        root.Subcommands.Add(ValidateCommand.Build(ctx));
        root.Subcommands.Add(ReportCommand.Build(ctx));
        root.Subcommands.Add(DemoCommand.Build(ctx));
        root.Subcommands.Add(ImportCommand.Build(ctx));
        root.Subcommands.Add(EvalCommand.Build(ctx));
        StrictNumbers(root);
        return root;
    }

    /// <summary>A message as one line (System.CommandLine lists allowed values one per line): lines joined by spaces.</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    /// <summary>The first parse error, naming its option when System.CommandLine's message does not ("Argument 'rl' not recognized").</summary>
    private static string FirstError(ParseResult parse)
    {
        var e = parse.Errors[0];
        var option = e.SymbolResult switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        string msg = Secrets.Redact(e.Message);
        return option is not null && !msg.Contains(option.Name, StringComparison.Ordinal) ? $"{option.Name}: {msg}" : msg;
    }

    /// <summary>
    /// Parses and runs one command line. Exit codes: 0 success, 1 a fit did not converge, 2 bad input or usage,
    /// 3 --strict and a health or trust warning (every output was still written).
    /// </summary>
    public static int Run(string[] args, CliContext ctx)
    {
        var root = BuildRoot(ctx);
        // A secret passed as an argument (t2 has no such flag: keys come from the environment) is refused before parsing,
        // so that no parse message can echo it.
        if (Secrets.Refusal(args, root) is { } secret) { ctx.Error.WriteLine($"t2: {secret}"); return 2; }
        ParseResult parse;
        // A validator reads its option's value; when the text does not convert (--level abc) System.CommandLine throws the
        // conversion error from inside the parse instead of reporting it. Its message (StrictNumbers') names option and value.
        try { parse = root.Parse(args); }
        catch (InvalidOperationException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        // One line, as the error contract promises (docs/errors.md): the first error only, no usage text after it.
        if (parse.Errors.Count > 0) { ctx.Error.WriteLine($"t2: {OneLine(FirstError(parse))}"); return 2; }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Error, EnableDefaultExceptionHandler = false });
        }
        catch (InputException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        catch (UsageException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        catch (ArgumentException e) when (Environment.GetEnvironmentVariable("T2_DEBUG") != "1") { ctx.Error.WriteLine($"t2: {FitFileIo.FirstSentence(e.Message.Split(" (Parameter")[0])}."); return 2; } // core validation
        catch (T2.Testbed.IO.CheckpointException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        catch (T2.Testbed.Ladder.LadderSpecException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        catch (T2.Eval.EvalInputException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        catch (T2.IO.OutputPathException e) { ctx.Error.WriteLine($"t2: {OneLine(e.Message)}"); return 2; }
        catch (T2.IO.NotUtf8Exception e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
        catch (UnauthorizedAccessException e) { ctx.Error.WriteLine($"t2: permission denied: {FitFileIo.FirstSentence(e.Message)}."); return 2; }
        catch (IOException e) { ctx.Error.WriteLine($"t2: {FitFileIo.FirstSentence(e.Message)}."); return 2; }
        catch (Exception e) when (Environment.GetEnvironmentVariable("T2_DEBUG") != "1")
        {
            ctx.Error.WriteLine($"t2: internal error ({e.GetType().Name}): {e.Message} — rerun with T2_DEBUG=1 for the stack trace, and please report it.");
            return 70;
        }
    }

    /// <summary>
    /// Every numeric option parses with the invariant culture and no thousands separator: System.CommandLine's default reads
    /// "2,5e5" as 25e5 and "0,9" as 9, silently — a European decimal comma must be an error, not a number 10× too large.
    /// </summary>
    private static void StrictNumbers(Command command)
    {
        foreach (var o in command.Options)
            switch (o)
            {
                case Option<double> d: Strict(d, t => (ParseLists.TryNumber(t, false, out var v), v), "a finite number"); break;
                case Option<double?> d: Strict(d, t => (ParseLists.TryNumber(t, false, out var v), (double?)v), "a finite number"); break;
                case Option<int> i: Strict(i, t => (ParseLists.TryNumber(t, true, out var v) && v == (int)v, (int)v), "a whole number"); break;
                case Option<int?> i: Strict(i, t => (ParseLists.TryNumber(t, true, out var v) && v == (int)v, (int?)(int)v), "a whole number"); break;
            }
        foreach (var c in command.Subcommands) StrictNumbers(c);
    }

    /// <summary>One option's parser: exactly one token, converted by <paramref name="parse"/>, else a located parse error.</summary>
    private static void Strict<T>(Option<T> option, Func<string, (bool Ok, T Value)> parse, string what) => option.CustomParser = r =>
    {
        if (r.Tokens.Count != 1) { r.AddError($"{option.Name} takes one value."); return default!; }
        string text = r.Tokens[0].Value;
        var (ok, value) = parse(text);
        if (ok) return value;
        r.AddError($"{option.Name} {text}: not {what}{(text.Contains(',') ? ParseLists.PointHint : "")}.");
        return default!;
    };
}
