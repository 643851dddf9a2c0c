using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using T2.Cli.Rendering;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 demo</c>: the whole loop on the built-in quick ladder, with nothing outside the repository: train the ladder →
/// validate (fits on the isoFLOP runs, plan, RQ2, Table 1) → train the planned T² and Chinchilla models (two seeds each)
/// and Table 1's pair with two more seeds →
/// validate again (RQ1 measured) → HTML report; each stage with its time, then a three-line verdict. Rerunning resumes.
/// </summary>
public static class DemoCommand
{
    public static Command Build(CliContext ctx)
    {
        var output = new Option<string>("--out") { Description = "Working directory (ladder, fits, plan, validation, report).", DefaultValueFactory = _ => "t2-demo" };
        // Durations as measured and kept in docs/paper-experiment.md (README quotes the same): one source of truth.
        var spec = new Option<string>("--spec")
        {
            Description = "Ladder: quick (default; about 4 minutes on an idle 2-core machine, more when loaded), "
                + "full (about 40 minutes), or a spec file.",
            DefaultValueFactory = _ => "quick",
        };
        var cmd = new Command("demo", "The paper's loop at miniature scale on this CPU: ladder → fits → plan → train the plan → validation → report.") { output, spec };
        cmd.SetAction(p => Run(ctx, p.GetValue(output)!, p.GetValue(spec)!));
        return cmd;
    }

    public static int Run(CliContext ctx, string dir, string spec)
    {
        var total = Stopwatch.StartNew();
        int Stage(string name, Func<int> f)
        {
            ctx.Console.MarkupLine($"\n[bold]▶ {Markup.Escape(name)}[/]");
            var sw = Stopwatch.StartNew();
            int rc = f();
            ctx.Console.MarkupLine($"[grey]  {Markup.Escape(name)}: {sw.Elapsed.TotalSeconds:F0} s[/]");
            if (rc != 0) throw new DemoStageException(name, rc);
            return rc;
        }
        try
        {
            Stage("1/5 train and evaluate the ladder", () => LadderCommand.Run(ctx, new LadderCommand.Settings(spec, dir, null, null, false, false)));
            Stage("2/5 fit on the isoFLOP runs, plan, validate", () =>
                ValidateCommand.Run(ctx, new ValidateCommand.Settings(dir, null, null, 500, 0, false, NextStepHint: false)));
            Stage("3/5 train the planned models (T² and Chinchilla, two seeds each) and Table 1's pair with two more seeds", () =>
                LadderCommand.Run(ctx, new LadderCommand.Settings(spec, dir, ValidateCommand.PlanPath(dir), null, false, false)));
            Stage("4/5 validate with the planned models measured", () =>
                ValidateCommand.Run(ctx, new ValidateCommand.Settings(dir, null, null, 500, 0, false, NextStepHint: false)));
            string report = Path.Combine(dir, "report.html");
            Stage("5/5 report", () => ReportCommand.Run(ctx, new ReportCommand.Settings(ValidateCommand.FitPath(dir), T2.Testbed.Ladder.LadderRunner.EvidencePath(dir),
                ValidateCommand.ValidationPath(dir), report, null)));
            ctx.Console.MarkupLine($"\n[bold]Verdict[/] ({total.Elapsed.TotalMinutes:F1} min; report: {Markup.Escape(Path.GetFullPath(report))})");
            foreach (var line in Verdict(File.ReadAllText(ValidateCommand.ValidationPath(dir)))) ctx.Console.MarkupLine(Markup.Escape(line));
            return 0;
        }
        catch (DemoStageException e)
        {
            ctx.Error.WriteLine($"t2: demo stopped at stage '{e.Stage}' (exit {e.Code}); rerun 't2 demo' to resume.");
            return e.Code;
        }
    }

    private sealed class DemoStageException(string stage, int code) : Exception(stage)
    {
        public string Stage { get; } = stage;
        public int Code { get; } = code;
    }

    /// <summary>
    /// The verdict from validation.json, stated no more strongly than the measurements allow: Table 1 and RQ1 with their
    /// seed spreads (a margin inside the spread is called a tie, not a win), the families that went the other way, RQ1 on
    /// Approach 1's metric (NLL_k, lower is better), and RQ2 beside the paper's figures.
    /// </summary>
    public static List<string> Verdict(string validationJson)
    {
        using var doc = JsonDocument.Parse(validationJson);
        var r = doc.RootElement;
        double D(JsonElement e, string n) => e.TryGetProperty(n, out var x) && x.ValueKind == JsonValueKind.Number ? x.GetDouble() : double.NaN;
        IEnumerable<JsonElement> Rows(string arr, string? approach = null) => r.GetProperty(arr).EnumerateArray()
            .Where(e => approach is null || e.GetProperty("approach").GetString() == approach);
        JsonElement? Macro(string arr, string? approach = null) =>
            Rows(arr, approach).Where(e => e.GetProperty("task").GetString() == "macro").Select(e => (JsonElement?)e).FirstOrDefault();
        double[] Values(JsonElement side, string? inner = null) => side.TryGetProperty("seeds", out var a) && a.ValueKind == JsonValueKind.Array
            ? [.. a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : D(x, inner!)).Where(double.IsFinite)]
            : [];
        var lines = new List<string>();

        if (Macro("table1") is { } t1)
        {
            var o = t1.GetProperty("overtrained"); var c = t1.GetProperty("chinchilla");
            double[] os = Values(o, "pass_at_k"), cs = Values(c, "pass_at_k");
            double seedRatio = D(t1, "seed_mean_ratio"), ratio = double.IsFinite(seedRatio) ? seedRatio : D(t1, "ratio");
            string oSide = os.Length > 1 ? $"{Format.Accuracy(os.Average())} ({Seeds(os, Format.Accuracy)})" : Format.Accuracy(D(o, "pass_at_k"));
            string cSide = cs.Length > 1 ? $"{Format.Accuracy(cs.Average())} ({Seeds(cs, Format.Accuracy)})" : Format.Accuracy(D(c, "pass_at_k"));
            string others = string.Join(", ", Rows("table1").Where(e => e.GetProperty("task").GetString() != "macro")
                .Select(e => $"{e.GetProperty("task").GetString()} {D(e, "ratio"):0.00}×"));
            lines.Add($"Table 1 (macro{(os.Length > 1 ? $", {os.Length} seeds each" : "")}): the best overtrained run " +
                $"(N {D(o, "N"):0}, D/N {D(o, "D") / D(o, "N"):0}, k {D(o, "k"):0.#}) {oSide} against the loss-optimal run " +
                $"(N {D(c, "N"):0}, D/N {D(c, "D") / D(c, "N"):0}, k {D(c, "k"):0.#}) {cSide}: {ratio:0.00}× — " +
                Compare(os, cs, ratio, higherIsBetter: true, "overtraining wins", "overtraining loses") +
                $" (the paper: 1.8–5.8× on every task){(others.Length > 0 ? $"; per family {others}" : "")}.");
        }
        else lines.Add("Table 1: not computed (see validation.json notes).");

        if (Macro("rq1", "2") is { } q2)
        {
            var p = q2.GetProperty("planned"); var m = q2.GetProperty("measured"); var c = q2.GetProperty("chinchilla");
            double tm = D(m, "mean"), cm = D(c, "measured");
            if (double.IsFinite(tm) && double.IsFinite(cm))
            {
                double[] ts = Values(m), cs = Values(c);
                var lost = Rows("rq1", "2").Where(e => e.GetProperty("task").GetString() != "macro")
                    .Select(e => (task: e.GetProperty("task").GetString(), t: D(e.GetProperty("measured"), "mean"), c: D(e.GetProperty("chinchilla"), "measured")))
                    .Where(x => x.t < x.c).Select(x => $"{x.task} ({Format.Accuracy(x.t)} vs {Format.Accuracy(x.c)})").ToList();
                lines.Add($"RQ1 (macro, Approach 2, accuracy): the T² model (N {D(p, "N"):0}, k {D(p, "k"):0.#}) measured {Format.Accuracy(tm)} " +
                    $"({Seeds(ts, Format.Accuracy)}; forecast {Format.Accuracy(D(p, "predicted"))}) against the Chinchilla model (N {D(c, "N"):0}, " +
                    $"k {D(c, "k"):0.#}) {Format.Accuracy(cm)} ({Seeds(cs, Format.Accuracy)}; forecast {Format.Accuracy(D(c, "predicted"))}): " +
                    $"{tm / cm:0.00}× — {Compare(ts, cs, tm / cm, higherIsBetter: true, "the T² plan wins", "the T² plan loses")}" +
                    (lost.Count > 0 ? $"; the T² model lost on {string.Join(", ", lost)}" : "") + ".");
            }
            else lines.Add("RQ1: the planned models were not measured (see validation.json notes).");
        }
        if (Macro("rq1", "1") is { } q1 && D(q1.GetProperty("measured"), "mean") is var t1m && double.IsFinite(t1m)
            && D(q1.GetProperty("chinchilla"), "measured") is var c1m && double.IsFinite(c1m))
        {
            double[] ts = Values(q1.GetProperty("measured")), cs = Values(q1.GetProperty("chinchilla"));
            string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
            lines.Add($"RQ1 (macro, Approach 1, NLL_k, lower is better): T² model {F(t1m)} ({Seeds(ts, F)}) against Chinchilla {F(c1m)} " +
                $"({Seeds(cs, F)}) — {Compare(ts, cs, c1m / t1m, higherIsBetter: false, "the T² plan wins", "the T² plan loses")}.");
        }
        if (Macro("rq2", "1") is { } a1 && Macro("rq2", "2") is { } a2)
            lines.Add($"RQ2 (macro): predicting the overtrained runs from isoFLOP fits, mean |relative error| {Format.Percent(D(a1, "relative_error"))} " +
                $"for Approach 1 (NLL, signed {Format.Percent(D(a1, "signed_relative_error"))}) and {Format.Percent(D(a2, "relative_error"))} for " +
                $"Approach 2 (accuracy, signed {Format.Percent(D(a2, "signed_relative_error"))}); the paper: 2.8 % and 8.4 %.");
        return lines;
    }

    private static string Seeds(double[] v, Func<double, string> f) => v.Length == 0 ? "no seeds" :
        v.Length == 1 ? "one seed" : "seeds " + string.Join(", ", v.Select(f));

    /// <summary>
    /// A comparison worded by what the seeds allow: a win or a loss only when every seed of one side beats every seed of
    /// the other; otherwise a tie within the seed spread (with one seed a side, the direction, said to be unreplicated).
    /// <paramref name="ratio"/> is oriented so that above 1 favours the first side.
    /// </summary>
    public static string Compare(double[] a, double[] b, double ratio, bool higherIsBetter, string win, string lose)
    {
        if (a.Length < 2 || b.Length < 2)
            return (ratio > 1 ? win : lose) + " (one seed a side: no spread to compare against)";
        bool aAbove = a.Min() > b.Max(), bAbove = b.Min() > a.Max();
        bool aBetter = higherIsBetter ? aAbove : bAbove, bBetter = higherIsBetter ? bAbove : aAbove;
        return aBetter ? win + ", beyond the seed spread" : bBetter ? lose + ", beyond the seed spread" : "a tie within the seed spread";
    }
}
