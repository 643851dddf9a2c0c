using System.CommandLine;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Fitting;

namespace T2.Cli.Commands;

/// <summary><c>t2 fit loss</c>: the Chinchilla law fitted exactly as published, with optional bootstrap.</summary>
public static class FitLossCommand
{
    public static Command Build(CliContext ctx)
    {
        var data = new Option<string>("--data") { Description = "CSV or JSONL with N, D (or C) and loss per run.", Required = true };
        var nCol = new Option<string?>("--n-col") { Description = "Column of N (parameters). Default: N_params/params/N/…" };
        var dCol = new Option<string?>("--d-col") { Description = "Column of D (training tokens). Default: D_tokens/tokens/D/…" };
        var cCol = new Option<string?>("--c-col") { Description = "Column of training FLOPs, used when there is no D column: D = C/6N." };
        var lossCol = new Option<string?>("--loss-col") { Description = "Column of the loss. Default: loss." };
        var weightCol = new Option<string?>("--weight-col") { Description = "Column of per-point weights (default: all 1)." };
        var where = new Option<string[]>("--where") { Description = "Keep rows where COL=VALUE (repeatable; all must match).", AllowMultipleArgumentsPerToken = false };
        var objective = new Option<string>("--objective") { Description = "huber (Huber on log loss, Chinchilla/Epoch) or squared (squared error on loss, as in T²).", DefaultValueFactory = _ => "huber" };
        objective.AcceptOnlyFromAmong("huber", "squared");
        var delta = new Option<double>("--delta") { Description = "Huber δ on log-loss residuals (summed, not averaged).", DefaultValueFactory = _ => 1e-3 };
        var grid = new Option<string>("--grid") { Description = "Start points: 'default' (Hoffmann's 4,500-point grid), 'random:N' (N seeded uniform starts), or a CSV file with columns a,b,e,alpha,beta.", DefaultValueFactory = _ => "default" };
        var seed = new Option<int>("--seed") { Description = "Seed for random starts and the bootstrap.", DefaultValueFactory = _ => 0 };
        var compute = new Option<string?>("--compute") { Description = "Training budget(s) C in FLOPs, e.g. 1e23 or 1e21,1e23: adds N_opt, D_opt, D/N." };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples over runs (0 = none).", DefaultValueFactory = _ => 0 };
        var level = new Option<double>("--level") { Description = "Bootstrap interval level.", DefaultValueFactory = _ => 0.95 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };

        var cmd = new Command("loss", "Fit L(N, D) = E + A/N^α + B/D^β (Chinchilla Approach 3, as replicated by Epoch AI).")
        { data, nCol, dCol, cCol, lossCol, weightCol, where, objective, delta, grid, seed, compute, bootstrap, level, json };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(data)!;
            var table = DataTable.Read(path).Where(p.GetValue(where) ?? []);
            var points = LossData.From(table, p.GetValue(nCol), p.GetValue(dCol), p.GetValue(lossCol), p.GetValue(cCol), p.GetValue(weightCol));
            double dl = p.GetValue(delta);
            if (!(dl > 0)) throw new UsageException("--delta must be > 0.");
            var options = new ChinchillaFitOptions
            {
                Objective = p.GetValue(objective) == "squared" ? LossObjective.SquaredError : LossObjective.HuberLog,
                HuberDelta = dl,
                Starts = Starts(p.GetValue(grid)!, p.GetValue(seed)),
                Weights = points.Weights,
            };
            var budgets = p.GetValue(compute) is { } cs ? ParseLists.Doubles(cs, "--compute") : [];
            if (budgets.Any(c => c <= 0)) throw new UsageException("--compute: budgets must be > 0.");
            int b = p.GetValue(bootstrap);
            if (b < 0) throw new UsageException("--bootstrap must be ≥ 0.");
            double lv = p.GetValue(level);
            if (!(lv > 0 && lv < 1)) throw new UsageException("--level must lie in (0, 1).");

            var fit = ChinchillaFit.Fit(points.N, points.D, points.Loss, options);
            BootstrapResult? boot = null;
            if (b > 0 && double.IsFinite(fit.Objective))
                boot = ChinchillaBootstrap.Run(points.N, points.D, points.Loss, options, fit,
                    new BootstrapOptions { Resamples = b, Seed = p.GetValue(seed), Level = lv, Budgets = budgets });
            var report = new LossFitReport(path, points, fit, budgets, boot);
            if (p.GetValue(json)) ctx.Out.WriteLine(report.ToJson());
            else report.Render(ctx.Console);
            if (!double.IsFinite(fit.Objective))
            {
                ctx.Error.WriteLine($"t2: no start reached a finite objective ({fit.StartsTried} tried, {fit.StartsFailed} failed).");
                return 1;
            }
            return 0;
        });
        return cmd;
    }

    private static double[][] Starts(string grid, int seed)
    {
        if (grid == "default") return InitGrid.Chinchilla();
        if (grid.StartsWith("random:", StringComparison.Ordinal))
        {
            if (!int.TryParse(grid[7..], out int count) || count < 1) throw new UsageException($"--grid {grid}: expected random:N with N ≥ 1.");
            return InitGrid.Random(count, seed);
        }
        var t = DataTable.Read(grid);
        var cols = new[] { "a", "b", "e", "alpha", "beta" }.Select(c => t.Has(c) ? t.IndexOf(c)
            : throw new InputException(grid, 1, c, "a grid file needs columns a, b, e, alpha, beta (LSE parameterisation: A = e^a, B = e^b, E = e^e).")).ToArray();
        return t.Rows.Select(r => cols.Select(c => t.Number(r, c)).ToArray()).ToArray();
    }
}
