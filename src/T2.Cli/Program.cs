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

        var parse = root.Parse(args);
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
}
