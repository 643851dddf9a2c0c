using System.CommandLine;
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

    /// <summary>
    /// Parses and runs one command line. Exit codes: 0 success, 1 a fit did not converge, 2 bad input or usage,
    /// 3 --strict and a health or trust warning (every output was still written).
    /// </summary>
    public static int Run(string[] args, CliContext ctx)
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
        ParseResult parse;
        // A validator reads its option's value; when the text does not convert (--level abc) System.CommandLine throws the
        // conversion error from inside the parse instead of reporting it. Its message (StrictNumbers') names option and value.
        try { parse = root.Parse(args); }
        catch (InvalidOperationException e)
        {
            ctx.Error.WriteLine($"t2: {e.Message}");
            ctx.Error.WriteLine("Run 't2 --help' (or '<verb> --help') for usage.");
            return 2;
        }
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) ctx.Error.WriteLine($"t2: {e.Message}");
            ctx.Error.WriteLine("Run 't2 --help' (or '<verb> --help') for usage.");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Error, EnableDefaultExceptionHandler = false });
        }
        catch (InputException e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
        catch (UsageException e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
        catch (ArgumentException e) when (Environment.GetEnvironmentVariable("T2_DEBUG") != "1") { ctx.Error.WriteLine($"t2: {FitFileIo.FirstSentence(e.Message.Split(" (Parameter")[0])}."); return 2; } // core validation
        catch (T2.Testbed.IO.CheckpointException e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
        catch (T2.Testbed.Ladder.LadderSpecException e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
        catch (T2.Eval.EvalInputException e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
        catch (T2.IO.OutputPathException e) { ctx.Error.WriteLine($"t2: {e.Message}"); return 2; }
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
        const System.Globalization.NumberStyles real = System.Globalization.NumberStyles.Float;
        const System.Globalization.NumberStyles whole = System.Globalization.NumberStyles.AllowLeadingSign;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string? One(System.CommandLine.Parsing.ArgumentResult r, string option)
        {
            if (r.Tokens.Count == 1) return r.Tokens[0].Value;
            r.AddError($"{option} takes one value.");
            return null;
        }
        string Bad(string option, string text, string what) =>
            $"{option} {text}: not {what}{(text.Contains(',') ? " (write decimals with a point: 0.5, not 0,5)" : "")}.";
        foreach (var o in command.Options)
            switch (o)
            {
                case Option<double> d:
                    d.CustomParser = r => One(r, d.Name) is { } t ? double.TryParse(t, real, inv, out var v) ? v : Fail<double>(r, Bad(d.Name, t, "a number")) : default;
                    break;
                case Option<double?> dn:
                    dn.CustomParser = r => One(r, dn.Name) is { } t ? double.TryParse(t, real, inv, out var v) ? v : Fail<double?>(r, Bad(dn.Name, t, "a number")) : null;
                    break;
                case Option<int> i:
                    i.CustomParser = r => One(r, i.Name) is { } t ? int.TryParse(t, whole, inv, out var v) ? v : Fail<int>(r, Bad(i.Name, t, "a whole number")) : default;
                    break;
                case Option<int?> inn:
                    inn.CustomParser = r => One(r, inn.Name) is { } t ? int.TryParse(t, whole, inv, out var v) ? v : Fail<int?>(r, Bad(inn.Name, t, "a whole number")) : null;
                    break;
            }
        foreach (var c in command.Subcommands) StrictNumbers(c);
    }

    private static T Fail<T>(System.CommandLine.Parsing.ArgumentResult r, string message) { r.AddError(message); return default!; }
}
