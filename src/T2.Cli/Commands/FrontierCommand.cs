using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Health;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary><c>t2 frontier</c>: the optimum across training budgets → CSV (with each point's trust) and PNG/SVG plots.</summary>
public static class FrontierCommand
{
    public const int MaxPoints = 2000;

    public static Command Build(CliContext ctx)
    {
        var fit = CommonOptions.Fit("Fit file from 't2 fit t2'.");
        var cInf = new Option<double>("--c-inf") { Description = "Inference FLOPs per served token (k = C_inf/2N).", Required = true };
        var from = new Option<double>("--from") { Description = "Smallest training budget (FLOPs).", DefaultValueFactory = _ => 1e17 };
        var to = new Option<double>("--to") { Description = "Largest training budget (FLOPs).", DefaultValueFactory = _ => 1e25 };
        var points = new Option<int>("--points") { Description = $"Budgets, log-spaced (2 to {MaxPoints}).", DefaultValueFactory = _ => 50 };
        points.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v < 2 || v > MaxPoints) r.AddError($"--points {v}: must lie in [2, {MaxPoints}]."); });
        var integerK = new Option<bool>("--integer-k") { Description = "Restrict k to integers ≥ 1." };
        var task = new Option<string?>("--task") { Description = "Only this task." };
        var stop = new Option<bool>("--stop-on-success") { Description = "Sampling stops at the first success (Approach 2 only): the k column is the expected samples per query." };
        var adaptive = new Option<bool>("--adaptive-k") { Description = "Difficulty-aware k (Approach 2 only; oracle p): the k column is the mean samples per query." };
        var output = CommonOptions.Out("Directory for frontier.csv and the plots.");
        var variant = CommonOptions.Variant();
        var (countPost, postTokens) = PlanCommand.PostTrainingOptions();
        var (unique, wallFile, wallLaw) = PlanCommand.DataWallOptions();
        var hw = HardwarePlan.Build();
        var strict = CommonOptions.Strict();
        var level = CommonOptions.Level();
        level.Description = "Bootstrap interval level of the bands (drawn, and in the CSV, when the fit file has replicates), strictly between 0 and 1.";
        var cmd = new Command("frontier", "Optimal N*, D*, D*/N*, k* against C_train for both approaches and Chinchilla; CSV + PNG/SVG.")
        { fit, cInf, from, to, points, integerK, task, stop, adaptive, output, variant, countPost, postTokens, unique, wallFile, wallLaw, level, strict };
        // --hardware: beside each FLOP optimum, the $-optimal plan spending the same dollars on the device (no $ budgets here).
        foreach (var o in new Option[] { hw.Hardware, hw.MaxLatency, hw.PromptTokens, hw.AnswerTokens, hw.AspectRatio, hw.KvShare }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var path = p.GetValue(fit)!;
            double a = p.GetValue(from), b = p.GetValue(to), ci = p.GetValue(cInf);
            if (!(a > 0 && b > a) || b > Limits.MaxFlops) throw new UsageException($"--from and --to must satisfy 0 < from < to ≤ {Limits.MaxFlops:G0}.");
            if (!(ci > 0) || ci > Limits.MaxFlops) throw new UsageException("--c-inf must be > 0 and ≤ 1e40.");
            var dir = p.GetValue(output)!;
            if (File.Exists(dir)) throw new InputException(dir, 0, null, "--out is a file; frontier writes a directory (frontier.csv and plots).");
            if (p.GetValue(stop) && p.GetValue(adaptive)) throw new UsageException("--stop-on-success and --adaptive-k are two policies; choose one.");
            if ((p.GetValue(stop) || p.GetValue(adaptive)) && p.GetValue(integerK)) throw new UsageException("--integer-k fixes whole samples; the sampling policies plan expected (or mean) samples.");
            bool hardware = HardwarePlan.Asked(p, hw);
            if (!hardware && p.GetValue(hw.MaxLatency) is not null) throw new UsageException("--max-latency-s needs --hardware FILE.");
            if (hardware && (p.GetValue(stop) || p.GetValue(adaptive))) throw new UsageException("--hardware prices fixed-k sampling; --stop-on-success and --adaptive-k are not combined with it yet.");
            var wall = PlanCommand.DataWallTransform(p.GetValue(unique), p.GetValue(wallFile), p.GetValue(wallLaw)!, hardware);
            var device = hardware ? HardwareFile.Read(p.GetValue(hw.Hardware)!) : null;
            var shape = new ServingShape { PromptTokens = p.GetValue(hw.PromptTokens), AnswerTokens = p.GetValue(hw.AnswerTokens), AspectRatio = p.GetValue(hw.AspectRatio), KvShare = p.GetValue(hw.KvShare) };
            var doc = FitFile.Read(path);
            T2.IO.AtomicFile.EnsureDirectory(Path.GetFullPath(dir));
            var cs = TaskPlanner.LogSpaced(a, b, p.GetValue(points));
            var csv = new StringBuilder("task,approach,c_train,c_inf,N,D,tokens_per_param,k,predicted,metric,ext_N,ext_D,ext_tokens_per_param,ext_k,k_below_one,at_search_edge,severity,verdict,variant,post_training_tokens,unique_tokens,train_usd,usd_per_query,latency_s," +
                "level,N_lo,N_hi,D_lo,D_hi,tokens_per_param_lo,tokens_per_param_hi,k_lo,k_hi,predicted_lo,predicted_hi\n");
            var findings = new List<Finding>();
            var docs = FitFile.SelectVariants(doc, p.GetValue(variant), path);
            foreach (var vd in docs)
            foreach (var t in FitTasks.Select(vd, p.GetValue(task), path, p.GetValue(stop), p.GetValue(adaptive), wall))
            {
                double post = PlanCommand.PostTokens(vd, path, p.GetValue(countPost), p.GetValue(postTokens));
                string vname = vd.Variant ?? "base";
                var plans = TaskPlanner.Frontier(t, cs, ci, p.GetValue(integerK), post, p.GetValue(level));
                var series = new List<Plots.FrontierSeries>();
                if (device is not null)
                    foreach (var ap in t.Approaches)
                    {
                        var one = new FittedTask(t.Task, [ap]);
                        var comps = new HardwareComparison?[cs.Length];
                        Parallel.For(0, cs.Length, i =>
                        {
                            try { comps[i] = HardwarePlanner.Compare(one, new PlanBudget { CTrain = cs[i], CInf = ci, IntegerK = p.GetValue(integerK), PostTrainingTokens = post }, device, shape, null, p.GetValue(hw.MaxLatency), null).Single(); }
                            catch (ArgumentException) { comps[i] = null; }
                        });
                        foreach (var c in comps.Where(c => c is not null).Select(c => c!))
                        {
                            Row(csv, t.Task, "flop_optimal_approach" + ap.Approach, c.Flop.Budget.CTrain, ci, c.Flop.Plan.Optimum, c.Flop.Metric, c.Flop.Trust, vname, post, p.GetValue(unique), c.FlopCost);
                            Row(csv, t.Task, "usd_optimal_approach" + ap.Approach, c.Flop.Budget.CTrain, ci, c.Dollar.Plan.Optimum, c.Dollar.Metric, c.Dollar.Trust, vname, post, p.GetValue(unique), c.DollarCost);
                            findings.Add(new Finding("frontier_trust", c.Dollar.Trust.Severity, c.Dollar.Trust.Verdict));
                        }
                        var ok = comps.Select((c, i) => (c, i)).Where(x => x.c is not null).ToList();
                        if (ok.Count > 1) series.Add(new($"$-optimal on {device.Name} (approach {ap.Approach}, same $)", ok.Select(x => x.c!.Dollar.Plan.Optimum).ToArray()));
                    }
                foreach (var g in plans.GroupBy(x => x.Approach))
                {
                    var list = g.ToList();
                    // Bands where every budget's plan has bootstrap intervals (the fit file's replicates, re-planned at each budget).
                    var bands = list.All(x => x.Intervals is not null) ? list.Select(x => x.Intervals!).ToArray() : null;
                    series.Add(new($"T² approach {g.Key}", list.Select(x => x.Plan.Optimum).ToArray(), bands,
                        bands is null ? null : $"{p.GetValue(level):P0} bootstrap band, {list[0].Replicates} replicates",
                        list.Select(x => x.Trust.KBelowOne).ToList()));
                    foreach (var x in list)
                    {
                        Row(csv, t.Task, "approach" + x.Approach, x.Budget.CTrain, ci, x.Plan.Optimum, x.Metric, x.Trust, vname, post, p.GetValue(unique),
                            intervals: x.Intervals, level: p.GetValue(level));
                        Row(csv, t.Task, "chinchilla_scored_by_approach" + x.Approach, x.Budget.CTrain, ci, x.Plan.Chinchilla, x.Metric, x.ChinchillaTrust, vname, post, p.GetValue(unique));
                        findings.Add(new Finding("frontier_trust", x.Trust.Severity, x.Trust.Verdict));
                    }
                }
                // One stage-1 law per task: the baseline's (N, D, k) is the same for both approaches.
                var baseline = plans.Where(x => x.Approach == plans[0].Approach).ToList();
                series.Add(new("Chinchilla (stage-1 law), k = C_inf/2N", baseline.Select(x => x.Plan.Chinchilla).ToArray(),
                    KBelowOne: baseline.Select(x => x.ChinchillaTrust.KBelowOne).ToList()));
                string safe = string.Concat(t.Task.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_'));
                if (docs.Count > 1) safe = Path.Combine(vname, safe); // one variant: DIR/<task>/ as before; several: DIR/<variant>/<task>/
                if (device is not null)
                {
                    // The $-optimal series has its own budgets (those where a plan exists): plot the full-grid series only.
                    series = series.Where(x => x.Points.Length == cs.Length).ToList();
                }
                Plots.Frontier(Path.Combine(dir, safe), cs, series, ci);
            }
            var csvPath = Path.Combine(dir, "frontier.csv");
            T2.IO.AtomicFile.WriteAllText(csvPath, csv.ToString());
            ctx.Console.MarkupLine($"wrote {Markup.Escape(csvPath)} and plots under {Markup.Escape(dir)}/{(docs.Count > 1 ? "<variant>/" : "")}<task>/ (frontier_tokens_per_param, frontier_n, frontier_d, frontier_k; .png and .svg)");
            var worst = findings.Count == 0 ? Severity.Info : findings.Max(f => f.Severity);
            int flagged = findings.Count(f => f.Severity >= Severity.Warn);
            ctx.Console.MarkupLine($"trust: {flagged} of {findings.Count} frontier optima carry warnings (worst {T2.Core.Health.Findings.Name(worst)}; the CSV's verdict column says why).");
            return CommonOptions.Exit(0, p.GetValue(strict), findings);
        });
        return cmd;
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;

    private static void Row(StringBuilder sb, string task, string approach, double c, double ci, PlanPoint p, string metric, PlanTrust t, string variant, double post, double? unique,
        CostedPoint? cost = null, IReadOnlyDictionary<string, T2.Core.Statistics.Interval>? intervals = null, double level = 0)
    {
        string Iv(string key) => intervals is null ? "," : $"{F(intervals[key].Lower)},{F(intervals[key].Upper)}";
        sb.AppendLine(string.Join(",", Csv(task), approach, F(c), F(ci), F(p.N), F(p.D), F(p.TokensPerParameter), F(p.K), F(p.Predicted), metric,
            F(t.Extrapolation.N), F(t.Extrapolation.D), F(t.Extrapolation.TokensPerParameter), F(t.Extrapolation.K), t.KBelowOne ? "1" : "0",
            t.AtSearchEdge ? "1" : "0", T2.Core.Health.Findings.Name(t.Severity), Csv(t.Verdict), Csv(variant), F(post), unique is { } u ? F(u) : "",
            cost is null ? "" : F(cost.TrainUsd), cost is null ? "" : F(cost.Query.Usd), cost is null ? "" : F(cost.Query.LatencySeconds),
            intervals is null ? "" : F(level), Iv("N"), Iv("D"), Iv("tokens_per_param"), Iv("k"), Iv("predicted")));
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
