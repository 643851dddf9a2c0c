using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Evidence;
using T2.Core.Fitting;
using T2.Core.Optimization;

namespace T2.Cli.Commands;

/// <summary><c>t2 fit t2</c>: T² Approach 1 and/or 2 per task from per-question evidence → a versioned fit file.</summary>
public static class FitT2Command
{
    /// <summary>Everything the verb was asked, as parsed (recorded in the fit file beside the core options record).</summary>
    public sealed record Settings(string Data, string Approach, string? Task, string Out, bool Json, EvidenceData.Columns Columns, string[] Where,
        double[]? KGrid, string Target, string Stage1, int Starts, int Bootstrap, int? MaxIterations, int Seed, double Level, string? Cv,
        string? Plots, bool Strict, string? Variant = null);

    public static Command Build(CliContext ctx)
    {
        var data = CommonOptions.Data("Evidence: CSV/JSONL, one row per (checkpoint, task, question) with N, D (or C) and nll or num_samples,num_correct.");
        var approach = new Option<string>("--approach") { Description = "1 (loss), 2 (accuracy) or both.", DefaultValueFactory = _ => "both" };
        approach.AcceptOnlyFromAmong("1", "2", "both");
        var task = new Option<string?>("--task") { Description = "Fit only this task." };
        var output = CommonOptions.Out("Fit file to write (JSON, schema 2, kind \"t2\"; written atomically).");
        var json = CommonOptions.Json("Also print the fit file to stdout.");
        var ckCol = new Option<string?>("--checkpoint-col") { Description = "Checkpoint name column (default checkpoint/model_nickname/name/model)." };
        var nCol = new Option<string?>("--n-col") { Description = "N column (default N_params/params/N/…)." };
        var dCol = new Option<string?>("--d-col") { Description = "D column (default D_tokens/tokens/D/D_tokens_seen/…)." };
        var cCol = new Option<string?>("--c-col") { Description = "Training FLOPs column, when there is no D column (D = C/6N)." };
        var taskCol = new Option<string?>("--task-col") { Description = "Task column (default task/benchmark); without one, all rows are one task." };
        var qCol = new Option<string?>("--question-col") { Description = "Question id column (default question/problem_idx/id/…); used to reject duplicates." };
        var nllCol = new Option<string?>("--nll-col") { Description = "Answer NLL column (nats); forces likelihood evidence." };
        var sCol = new Option<string?>("--samples-col") { Description = "Samples per question column (default num_samples/n)." };
        var cCorr = new Option<string?>("--correct-col") { Description = "Correct samples column (default num_correct/c)." };
        var vCol = new Option<string?>("--variant-col") { Description = "Post-training variant column (default variant): each variant is fitted on its own rows." };
        var variant = CommonOptions.Variant("Fit only this variant's rows (default: every variant the evidence has, side by side in one file).");
        var where = CommonOptions.Where();
        var kGrid = CommonOptions.Numbers("--k-grid", "k values entering the fits, e.g. 1,2,4,8 (default 1, 2, 4, … up to the fewest samples; 1024 for nll).", 1, T2.Core.Planning.Limits.MaxK);
        var target = new Option<string>("--target") { Description = "With counts: aggregate (−log mean pass@k, default) or jeffreys (per-question, p̂ = (c+½)/(n+1)).", DefaultValueFactory = _ => "aggregate" };
        target.AcceptOnlyFromAmong("aggregate", "jeffreys");
        var stage1 = new Option<string>("--stage1") { Description = "Approach 2 stage 1: profile (paper: E profile, weighted squared error) or huber (Chinchilla/Epoch fit).", DefaultValueFactory = _ => "profile" };
        stage1.AcceptOnlyFromAmong("profile", "huber");
        var starts = new Option<int>("--starts") { Description = "Approach 1 starts in all (128-point grid + seeded random; at least 500 recommended).", DefaultValueFactory = _ => 500 };
        starts.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v < 129 || v > 1_000_000) r.AddError("--starts must lie in [129, 1000000] (the 128-point grid plus at least one random start)."); });
        var bootstrap = CommonOptions.Bootstrap("checkpoints");
        var maxIter = new Option<int?>("--max-iterations") { Description = "Cap on L-BFGS iterations per start and stage (solver setting; default 5,000 / 3,000)." };
        maxIter.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--max-iterations must be ≥ 1."); });
        var seed = CommonOptions.Seed();
        var level = CommonOptions.Level();
        var holdout = new Option<int>("--holdout-largest") { Description = "Same as --cv largest:K (kept for scripts).", DefaultValueFactory = _ => 0 };
        holdout.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--holdout-largest must be ≥ 0."); });
        var cv = CommonOptions.Cv();
        var plots = new Option<string?>("--plots") { Description = "Directory for isoFLOP and fitted-vs-observed plots (PNG + SVG)." };
        var strict = CommonOptions.Strict();
        var cmd = new Command("t2", "Fit T² Approach 1 (loss: E + A/N^α + B/D^β + G/k^γ) and Approach 2 (accuracy: Beta regression on the stage-1 loss) per task.")
        { data, approach, task, output, json, ckCol, nCol, dCol, cCol, taskCol, qCol, nllCol, sCol, cCorr, vCol, variant, where, kGrid, target, stage1, starts, bootstrap, maxIter, seed, level, holdout, cv, plots, strict };
        cmd.SetAction(p =>
        {
            var ks = CommonOptions.List(p, kGrid);
            if (ks is not null && ks.Any(k => !(k >= 1) || k > T2.Core.Planning.Limits.MaxK)) throw new UsageException("--k-grid: every k must lie in [1, 1e9].");
            int ho = p.GetValue(holdout);
            string? cvSpec = p.GetValue(cv) ?? (ho > 0 ? $"largest:{ho}" : null);
            if (ho > 0 && p.GetValue(cv) is not null) throw new UsageException("--holdout-largest is --cv largest:K; give one of them.");
            return Run(ctx, new Settings(p.GetValue(data)!, p.GetValue(approach)!, p.GetValue(task), p.GetValue(output)!, p.GetValue(json),
                new EvidenceData.Columns(p.GetValue(ckCol), p.GetValue(nCol), p.GetValue(dCol), p.GetValue(cCol), p.GetValue(taskCol),
                    p.GetValue(qCol), p.GetValue(nllCol), p.GetValue(sCol), p.GetValue(cCorr), p.GetValue(vCol)),
                p.GetValue(where) ?? [], ks, p.GetValue(target)!, p.GetValue(stage1)!, p.GetValue(starts), p.GetValue(bootstrap), p.GetValue(maxIter),
                p.GetValue(seed), p.GetValue(level), cvSpec, p.GetValue(plots), p.GetValue(strict), p.GetValue(variant)));
        });
        return cmd;
    }

    /// <summary>The core options record these settings ask for (the --max-iterations override applied once, to every stage).</summary>
    public static T2FitOptions Options(Settings s)
    {
        LbfgsOptions Cap(LbfgsOptions o) => s.MaxIterations is { } m ? o with { MaxIterations = m } : o;
        var a1 = new Approach1FitOptions(); var a2 = new Approach2FitOptions();
        return new T2FitOptions
        {
            Approach1 = s.Approach is "1" or "both",
            Approach2 = s.Approach is "2" or "both",
            KGrid = s.KGrid,
            Target = s.Target == "jeffreys" ? CountTarget.JeffreysPerQuestion : CountTarget.Aggregate,
            A1 = a1 with { RandomStarts = s.Starts - 128, Seed = s.Seed, Solver = Cap(a1.Solver), Polish = Cap(a1.Polish) },
            A2 = a2 with
            {
                Stage1 = s.Stage1 == "huber" ? Stage1Method.HuberLog : Stage1Method.EProfile, Seed = s.Seed,
                Solver = Cap(a2.Solver), Polish = Cap(a2.Polish),
            },
            Bootstrap = s.Bootstrap, Seed = s.Seed, Level = s.Level,
        };
    }

    /// <summary>The fit itself: evidence → per-variant, per-task fits (and CV) → the fit file, written; nothing rendered.</summary>
    public static (FitFile.Doc Doc, List<T2TaskFitResult> Results) Fit(CliContext ctx, Settings s)
    {
        var table = DataTable.Read(s.Data).Where(s.Where);
        var parts = EvidenceData.SplitVariants(table, s.Columns.Variant, s.Variant);
        var evidence = parts.Select(part => (part, tasks: EvidenceData.Read(part.Rows, s.Columns, s.Task))).ToList(); // every part read before any fit
        T2.IO.AtomicFile.Prepare(s.Out); // a bad output path fails before the fit, not after it
        if (s.Plots is not null) T2.IO.AtomicFile.EnsureDirectory(Path.GetFullPath(s.Plots));
        var options = Options(s);
        var optionsNode = JsonSerializer.SerializeToNode(options, FitFileIo.Info<T2FitOptions>())!.AsObject();
        optionsNode["settings"] = JsonSerializer.SerializeToNode(s, FitFileIo.Info<Settings>());
        var docs = new List<FitFile.Doc>();
        var all = new List<T2TaskFitResult>();
        foreach (var (part, tasks) in evidence)
        {
            string label = part.Variant is { } v && parts.Count > 1 ? $" ({v})" : "";
            var progress = new Progress<string>(m => ctx.Error.WriteLine($"t2:{label} {m}"));
            var results = new List<T2TaskFitResult>();
            var cvs = new Dictionary<string, (CvResult?, CvResult?)>();
            foreach (var (name, cps) in tasks.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                try
                {
                    results.Add(T2TaskFit.Fit(name, cps, options, s.Bootstrap > 0 ? progress : null));
                    if (s.Cv is { } spec) cvs[name] = CrossValidation.T2Task(name, cps, options, CvSpec.Parse(spec));
                }
                catch (ArgumentException e) { throw new InputException(s.Data, 0, null, $"{(label.Length > 0 ? $"variant {part.Variant}: " : "")}{e.Message}"); }
            }
            var doc = new FitFile.Doc(FitFileIo.Schema, "t2", "t2", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                new FitFile.DataInfo(s.Data, FitFileIo.Sha256(s.Data), part.Rows.Rows.Count, tasks.Values.Sum(v => v.Count),
                    s.Columns.N ?? table.FirstPresent(EvidenceData.EvidenceNNames) ?? "",
                    s.Columns.D ?? table.FirstPresent(EvidenceData.EvidenceDNames) ?? $"{s.Columns.C ?? table.FirstPresent(LossData.CNames)}/6N",
                    EvidenceData.CheckpointsByKind(part.Rows, s.Columns.Checkpoint)),
                optionsNode.DeepClone().AsObject(),
                results.Select(r => FitFile.ToDoc(r, s.Level, cvs.TryGetValue(r.Task, out var c) ? c : null)).ToList())
            { Variant = part.Variant, PostTrainingTokens = part.PostTrainingTokens };
            docs.Add(doc with { Macro = FitFile.MacroDoc(doc) });
            if (s.Plots is { } dir) Plots.FitPlots(parts.Count > 1 && part.Variant != "base" ? Path.Combine(dir, part.Variant!) : dir, results);
            all.AddRange(parts.Count > 1 ? results.Select(r => r with { Task = $"{r.Task} ({part.Variant})" }) : results);
        }
        var first = docs[0] with { Variants = docs.Count > 1 ? docs[1..] : null };
        FitFile.Write(s.Out, first);
        return (first, all);
    }

    public static int Run(CliContext ctx, Settings s)
    {
        var (doc, results) = Fit(ctx, s);
        if (s.Json) ctx.Out.WriteLine(JsonSerializer.Serialize(doc, FitFileIo.Info<FitFile.Doc>()));
        else T2FitReport.RenderVariants(ctx.Console, doc, s.Out);
        var failed = results.Where(r => (r.Approach1 is { } a && a.Diagnostics.StartsConverged == 0) || (r.Approach2 is { } b && b.Diagnostics.StartsConverged == 0)).ToList();
        if (failed.Count > 0)
        {
            ctx.Error.WriteLine($"t2: no start converged for task(s) {string.Join(", ", failed.Select(r => r.Task))}; the fit file records the best non-converged point and its diagnostics.");
            return 1;
        }
        return CommonOptions.Exit(0, s.Strict, FitFile.VariantDocs(doc).SelectMany(T2FitReport.AllFindings));
    }
}
