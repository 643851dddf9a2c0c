using System.CommandLine;
using System.Globalization;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Evidence;
using T2.Core.Fitting;

namespace T2.Cli.Commands;

/// <summary><c>t2 fit t2</c>: T² Approach 1 and/or 2 per task from per-question evidence → a versioned fit file.</summary>
public static class FitT2Command
{
    public static Command Build(CliContext ctx)
    {
        var data = new Option<string>("--data") { Description = "Evidence: CSV/JSONL, one row per (checkpoint, task, question) with N, D (or C) and nll or num_samples,num_correct.", Required = true };
        var approach = new Option<string>("--approach") { Description = "1 (loss), 2 (accuracy) or both.", DefaultValueFactory = _ => "both" };
        approach.AcceptOnlyFromAmong("1", "2", "both");
        var task = new Option<string?>("--task") { Description = "Fit only this task." };
        var output = new Option<string>("--out") { Description = "Fit file to write (JSON, schema 1; written atomically).", Required = true };
        var json = new Option<bool>("--json") { Description = "Also print the fit file to stdout." };
        var ckCol = new Option<string?>("--checkpoint-col") { Description = "Checkpoint name column (default checkpoint/model_nickname/name/model)." };
        var nCol = new Option<string?>("--n-col") { Description = "N column (default N_params/params/N/…)." };
        var dCol = new Option<string?>("--d-col") { Description = "D column (default D_tokens/tokens/D/D_tokens_seen/…)." };
        var cCol = new Option<string?>("--c-col") { Description = "Training FLOPs column, when there is no D column (D = C/6N)." };
        var taskCol = new Option<string?>("--task-col") { Description = "Task column (default task/benchmark); without one, all rows are one task." };
        var qCol = new Option<string?>("--question-col") { Description = "Question id column (default question/problem_idx/id/…); used to reject duplicates." };
        var nllCol = new Option<string?>("--nll-col") { Description = "Answer NLL column (nats); forces likelihood evidence." };
        var sCol = new Option<string?>("--samples-col") { Description = "Samples per question column (default num_samples/n)." };
        var cCorr = new Option<string?>("--correct-col") { Description = "Correct samples column (default num_correct/c)." };
        var where = new Option<string[]>("--where") { Description = "Keep rows where COL=VALUE (repeatable)." };
        var kGrid = new Option<string?>("--k-grid") { Description = "k values entering the fits, e.g. 1,2,4,8 (default 1, 2, 4, … up to the fewest samples; 1024 for nll)." };
        var target = new Option<string>("--target") { Description = "With counts: aggregate (−log mean pass@k, default) or jeffreys (per-question, p̂ = (c+½)/(n+1)).", DefaultValueFactory = _ => "aggregate" };
        target.AcceptOnlyFromAmong("aggregate", "jeffreys");
        var stage1 = new Option<string>("--stage1") { Description = "Approach 2 stage 1: profile (paper: E profile, weighted squared error) or huber (Chinchilla/Epoch fit).", DefaultValueFactory = _ => "profile" };
        stage1.AcceptOnlyFromAmong("profile", "huber");
        var starts = new Option<int>("--starts") { Description = "Approach 1 starts in all (128-point grid + seeded random; at least 500 recommended).", DefaultValueFactory = _ => 500 };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples over checkpoints (0 = none).", DefaultValueFactory = _ => 0 };
        var maxIter = new Option<int?>("--max-iterations") { Description = "Cap on L-BFGS iterations per start and stage (solver setting; default 5,000 / 3,000)." };
        var seed = new Option<int>("--seed") { Description = "Seed for random starts and the bootstrap.", DefaultValueFactory = _ => 0 };
        var level = new Option<double>("--level") { Description = "Bootstrap interval level.", DefaultValueFactory = _ => 0.95 };
        var holdout = new Option<int>("--holdout-largest") { Description = "Also refit without the K largest model sizes and report the relative error predicting them.", DefaultValueFactory = _ => 0 };
        var plots = new Option<string?>("--plots") { Description = "Directory for isoFLOP and fitted-vs-observed plots (PNG + SVG)." };
        var cmd = new Command("t2", "Fit T² Approach 1 (loss: E + A/N^α + B/D^β + G/k^γ) and Approach 2 (accuracy: Beta regression on the stage-1 loss) per task.")
        { data, approach, task, output, json, ckCol, nCol, dCol, cCol, taskCol, qCol, nllCol, sCol, cCorr, where, kGrid, target, stage1, starts, bootstrap, maxIter, seed, level, holdout, plots };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(data)!;
            var table = DataTable.Read(path).Where(p.GetValue(where) ?? []);
            var cols = new EvidenceData.Columns(p.GetValue(ckCol), p.GetValue(nCol), p.GetValue(dCol), p.GetValue(cCol), p.GetValue(taskCol),
                p.GetValue(qCol), p.GetValue(nllCol), p.GetValue(sCol), p.GetValue(cCorr));
            var tasks = EvidenceData.Read(table, cols, p.GetValue(task));
            string ap = p.GetValue(approach)!;
            int nStarts = p.GetValue(starts);
            if (nStarts < 129) throw new UsageException("--starts must be ≥ 129 (the 128-point grid plus at least one random start).");
            int boot = p.GetValue(bootstrap);
            if (boot < 0) throw new UsageException("--bootstrap must be ≥ 0.");
            double lv = p.GetValue(level);
            if (!(lv > 0 && lv < 1)) throw new UsageException("--level must lie in (0, 1).");
            var ks = p.GetValue(kGrid) is { } kg ? ParseLists.Doubles(kg, "--k-grid") : null;
            if (ks is not null && ks.Any(k => !(k >= 1))) throw new UsageException("--k-grid: every k must be ≥ 1.");
            int? mi = p.GetValue(maxIter);
            if (mi is < 1) throw new UsageException("--max-iterations must be ≥ 1.");
            var a1Default = new Approach1FitOptions(); var a2Default = new Approach2FitOptions();
            var options = new T2FitOptions
            {
                Approach1 = ap is "1" or "both",
                Approach2 = ap is "2" or "both",
                KGrid = ks,
                Target = p.GetValue(target) == "jeffreys" ? CountTarget.JeffreysPerQuestion : CountTarget.Aggregate,
                A1 = a1Default with
                {
                    RandomStarts = nStarts - 128, Seed = p.GetValue(seed),
                    Solver = mi is { } m1 ? a1Default.Solver with { MaxIterations = m1 } : a1Default.Solver,
                    Polish = mi is { } m2 ? a1Default.Polish with { MaxIterations = m2 } : a1Default.Polish,
                },
                A2 = a2Default with
                {
                    Stage1 = p.GetValue(stage1) == "huber" ? Stage1Method.HuberLog : Stage1Method.EProfile, Seed = p.GetValue(seed),
                    Solver = mi is { } m3 ? a2Default.Solver with { MaxIterations = m3 } : a2Default.Solver,
                    Polish = mi is { } m4 ? a2Default.Polish with { MaxIterations = m4 } : a2Default.Polish,
                },
                Bootstrap = boot, Seed = p.GetValue(seed), Level = lv,
            };
            var progress = new Progress<string>(m => ctx.Error.WriteLine($"t2: {m}"));
            var results = new List<T2TaskFitResult>();
            var holdouts = new Dictionary<string, HoldoutResult>();
            int ho = p.GetValue(holdout);
            if (ho < 0) throw new UsageException("--holdout-largest must be ≥ 0.");
            foreach (var (name, cps) in tasks.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                try
                {
                    results.Add(T2TaskFit.Fit(name, cps, options, boot > 0 ? progress : null));
                    if (ho > 0) holdouts[name] = T2Holdout.Evaluate(name, cps, ho, options);
                }
                catch (ArgumentException e) { throw new InputException(path, 0, null, e.Message); }
            }
            var doc = new FitFile.Doc(FitFile.Schema, "t2", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                new FitFile.DataInfo(path, FitFile.Sha256(path), table.Rows.Count, tasks.Values.Sum(v => v.Count), cols.N ?? table.FirstPresent(EvidenceData.EvidenceNNames) ?? "",
                    cols.D ?? table.FirstPresent(EvidenceData.EvidenceDNames) ?? $"{cols.C ?? table.FirstPresent(LossData.CNames)}/6N"),
                new Dictionary<string, string>
                {
                    ["approach"] = ap, ["k_grid"] = ks is null ? "default" : string.Join(",", ks), ["target"] = p.GetValue(target)!,
                    ["stage1"] = p.GetValue(stage1)!, ["starts"] = nStarts.ToString(CultureInfo.InvariantCulture), ["bootstrap"] = boot.ToString(CultureInfo.InvariantCulture),
                    ["seed"] = p.GetValue(seed).ToString(CultureInfo.InvariantCulture), ["level"] = lv.ToString(CultureInfo.InvariantCulture),
                    ["where"] = string.Join(";", p.GetValue(where) ?? []),
                },
                results.Select(r => FitFile.ToDoc(r, lv) with { Holdout = holdouts.GetValueOrDefault(r.Task) }).ToList());
            FitFile.Write(p.GetValue(output)!, doc);
            if (p.GetValue(plots) is { } dir) Plots.FitPlots(dir, results);
            if (p.GetValue(json)) ctx.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(doc, FitFile.Json));
            else T2FitReport.Render(ctx.Console, doc, p.GetValue(output)!);
            var failed = results.Where(r => (r.Approach1 is { } a && a.StartsConverged == 0) || (r.Approach2 is { } b && b.StartsConverged == 0)).ToList();
            if (failed.Count > 0)
            {
                ctx.Error.WriteLine($"t2: no start converged for task(s) {string.Join(", ", failed.Select(r => r.Task))}; the fit file records the best non-converged point and its diagnostics.");
                return 1;
            }
            return 0;
        });
        return cmd;
    }
}
