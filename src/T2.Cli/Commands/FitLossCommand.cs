using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Fitting;

namespace T2.Cli.Commands;

/// <summary><c>t2 fit loss</c>: the Chinchilla law fitted exactly as published, with bootstrap, health, cross-validation and a fit file.</summary>
public static class FitLossCommand
{
    /// <summary>Everything the verb was asked, as parsed (recorded in the fit file).</summary>
    public sealed record Settings(string Data, string[] Where, string? NCol, string? DCol, string? CCol, string? LossCol, string? WeightCol,
        string Objective, double Delta, string Grid, int Seed, double[] Compute, int Bootstrap, double Level, string? Cv, string? Out, bool Json, bool Strict);

    public static Command Build(CliContext ctx)
    {
        var data = CommonOptions.Data("CSV or JSONL with N, D (or C) and loss per run.");
        var nCol = new Option<string?>("--n-col") { Description = "Column of N (parameters). Default: N_params/params/N/…" };
        var dCol = new Option<string?>("--d-col") { Description = "Column of D (training tokens). Default: D_tokens/tokens/D/…" };
        var cCol = new Option<string?>("--c-col") { Description = "Column of training FLOPs, used when there is no D column: D = C/6N." };
        var lossCol = new Option<string?>("--loss-col") { Description = "Column of the loss. Default: loss." };
        var weightCol = new Option<string?>("--weight-col") { Description = "Column of per-point weights (default: all 1)." };
        var where = CommonOptions.Where();
        var objective = new Option<string>("--objective") { Description = "huber (Huber on log loss, Chinchilla/Epoch) or squared (squared error on loss, as in T²).", DefaultValueFactory = _ => "huber" };
        objective.AcceptOnlyFromAmong("huber", "squared");
        var delta = new Option<double>("--delta") { Description = "Huber δ on log-loss residuals (summed, not averaged).", DefaultValueFactory = _ => 1e-3 };
        delta.Validators.Add(r => { double v = r.GetValueOrDefault<double>(); if (!(v > 0) || !double.IsFinite(v)) r.AddError("--delta must be finite and > 0."); });
        var grid = new Option<string>("--grid") { Description = "Start points: 'default' (Hoffmann's 4,500-point grid), 'random:N' (N seeded uniform starts), or a CSV file with columns a,b,e,alpha,beta.", DefaultValueFactory = _ => "default" };
        var seed = CommonOptions.Seed();
        var compute = CommonOptions.TrainFlops("--compute", "Training budget(s) C in FLOPs, e.g. 1e23 or 1e21,1e23: adds N_opt, D_opt, D/N with their trust.");
        var bootstrap = CommonOptions.Bootstrap("runs");
        var level = CommonOptions.Level();
        var cv = CommonOptions.Cv();
        var output = CommonOptions.Out("Loss-law fit file to write (JSON, schema 2, kind \"loss\"; read by 'plan --fit' and 'predict --fit').", required: false);
        var json = CommonOptions.Json("Print one JSON object instead of a table.");
        var strict = CommonOptions.Strict();

        var cmd = new Command("loss", "Fit L(N, D) = E + A/N^α + B/D^β (Chinchilla Approach 3, as replicated by Epoch AI).")
        { data, nCol, dCol, cCol, lossCol, weightCol, where, objective, delta, grid, seed, compute, bootstrap, level, cv, output, json, strict };
        cmd.SetAction(p => Run(ctx, new Settings(p.GetValue(data)!, p.GetValue(where) ?? [], p.GetValue(nCol), p.GetValue(dCol), p.GetValue(cCol),
            p.GetValue(lossCol), p.GetValue(weightCol), p.GetValue(objective)!, p.GetValue(delta), p.GetValue(grid)!, p.GetValue(seed),
            CommonOptions.List(p, compute) ?? [], p.GetValue(bootstrap), p.GetValue(level), p.GetValue(cv),
            p.GetValue(output), p.GetValue(json), p.GetValue(strict))));
        return cmd;
    }

    public static int Run(CliContext ctx, Settings s)
    {
        var table = DataTable.Read(s.Data).Where(s.Where);
        var points = LossData.From(table, s.NCol, s.DCol, s.LossCol, s.CCol, s.WeightCol);
        if (s.Out is not null) T2.IO.AtomicFile.Prepare(s.Out); // fail on a bad output path before the work
        var options = new ChinchillaFitOptions
        {
            Objective = s.Objective == "squared" ? LossObjective.SquaredError : LossObjective.HuberLog,
            HuberDelta = s.Delta,
            Starts = Starts(s.Grid, s.Seed),
            Weights = points.Weights,
        };
        var fit = ChinchillaFit.Fit(points.N, points.D, points.Loss, options);
        BootstrapResult? boot = null;
        if (s.Bootstrap > 0 && double.IsFinite(fit.Objective))
            boot = ChinchillaBootstrap.Run(points.N, points.D, points.Loss, options, fit,
                new BootstrapOptions { Resamples = s.Bootstrap, Seed = s.Seed, Level = s.Level, Budgets = s.Compute });
        CvResult? cv = s.Cv is { } spec && double.IsFinite(fit.Objective)
            ? CrossValidation.LossLaw(points.N, points.D, points.Loss, options, CvSpec.Parse(spec)) : null;

        var settings = JsonSerializer.SerializeToNode(s, FitFileIo.Info<Settings>())!.AsObject();
        settings["solver"] = JsonSerializer.SerializeToNode(options with { Starts = null, Weights = null },
            FitFileIo.Info<ChinchillaFitOptions>());
        var doc = LossFitFile.ToDoc(new LossFitFile.DataInfo(s.Data, FitFileIo.Sha256(s.Data), table.Rows.Count, points.N.Length, points.NColumn,
            points.DColumn, points.LossColumn), settings, fit, boot, cv);
        if (s.Out is not null) FitFileIo.Write(s.Out, doc);

        var report = new LossFitReport(s.Data, points, fit, s.Compute, boot, cv, doc);
        if (s.Json) ctx.Out.WriteLine(report.ToJson());
        else report.Render(ctx.Console, s.Out);
        if (!double.IsFinite(fit.Objective))
        {
            ctx.Error.WriteLine($"t2: no start reached a finite objective ({fit.Diagnostics.StartsTried} tried, {fit.Diagnostics.StartsFailed} failed).");
            return 1;
        }
        return CommonOptions.Exit(0, s.Strict, report.AllFindings());
    }

    private static double[][] Starts(string grid, int seed)
    {
        if (grid == "default") return InitGrid.Chinchilla();
        if (grid.StartsWith("random:", StringComparison.Ordinal))
        {
            if (!int.TryParse(grid[7..], out int count) || count < 1 || count > 1_000_000) throw new UsageException($"--grid {grid}: expected random:N with 1 ≤ N ≤ 1,000,000.");
            return InitGrid.Random(count, seed);
        }
        var t = DataTable.Read(grid);
        var cols = new[] { "a", "b", "e", "alpha", "beta" }.Select(c => t.Has(c) ? t.IndexOf(c)
            : throw new InputException(grid, 1, c, "a grid file needs columns a, b, e, alpha, beta (LSE parameterisation: A = e^a, B = e^b, E = e^e).")).ToArray();
        return t.Rows.Select(r => cols.Select(c => t.Number(r, c)).ToArray()).ToArray();
    }
}
