using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Testbed.Ladder;

namespace T2.Cli.Commands;

/// <summary><c>t2 testbed ladder</c>: train and evaluate every point of a ladder spec, resumably, into one evidence table.</summary>
public static class LadderCommand
{
    public sealed record Settings(string Spec, string? Out, string? ExtraFrom, int? Parallel, bool PrintSpec, bool Json, string[]? PostTrain = null);

    public static Command Build(CliContext ctx)
    {
        var spec = new Option<string>("--spec") { Description = "quick, full, or a ladder spec JSON file (see docs/testbed-and-ladder.md, 'Ladder spec').", DefaultValueFactory = _ => "quick" };
        var output = new Option<string?>("--out") { Description = "Ladder directory: runs/, spec.json, evidence.csv (a rerun skips finished runs and resumes the rest)." };
        var extra = new Option<string?>("--extra-from") { Description = "A plan JSON from 't2 plan --json': adds its T²-optimal and Chinchilla-optimal models (every seed) as extra points." };
        var parallel = new Option<int?>("--parallel") { Description = "Runs trained side by side (default: the spec's, else the core count)." };
        parallel.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1 or > 64) r.AddError("--parallel must lie in [1, 64]."); });
        var print = new Option<bool>("--print-spec") { Description = "Print the spec as JSON (a starting point for your own) and stop." };
        var postTrain = new Option<string?>("--post-train") { Description = "Also fine-tune and evaluate every checkpoint: ft, sft or ft,sft (settings: the spec's finetune object) → DIR/evidence-VARIANT.csv." };
        var json = CommonOptions.Json("Print the ladder summary as JSON.");
        var cmd = new Command("ladder", "Train and evaluate a ladder (isoFLOP spreads per budget, overtrained extras, planned points); resumable.")
        { spec, output, extra, parallel, print, postTrain, json };
        cmd.SetAction(p => Run(ctx, new Settings(p.GetValue(spec)!, p.GetValue(output), p.GetValue(extra), p.GetValue(parallel), p.GetValue(print), p.GetValue(json),
            p.GetValue(postTrain) is { } pt ? ParseLists.Strings(pt, "--post-train") : null)));
        return cmd;
    }

    public static LadderSpec Resolve(string spec) => LadderPresets.Named(spec) ?? (File.Exists(spec) || Directory.Exists(spec)
        ? LadderSpec.Load(spec)
        : throw new UsageException($"--spec '{spec}' is neither a preset ({string.Join(", ", LadderPresets.Names)}) nor a file."));

    public static int Run(CliContext ctx, Settings s)
    {
        var spec = Resolve(s.Spec);
        spec.Validate(s.Spec);
        if (s.Parallel is { } par) spec = spec with { Parallel = par };
        if (s.PostTrain is { } variants)
        {
            spec = spec with { PostTrain = [.. spec.PostTrain, .. variants.Where(v => !spec.PostTrain.Contains(v))] };
            spec.Validate("--post-train");
        }
        if (s.ExtraFrom is { } planPath) spec = spec.WithExtra(PlanExtras.Read(planPath, spec), planPath);
        if (s.PrintSpec) { ctx.Out.WriteLine(spec.ToJson()); return 0; }
        if (s.Out is null) throw new UsageException("--out DIR is required (the ladder directory).");
        T2.IO.AtomicFile.EnsureDirectory(Path.GetFullPath(s.Out));
        spec = LadderRunner.Merge(s.Out, spec);
        var plan = LadderPlan.Expand(spec);
        ctx.Error.WriteLine($"t2: ladder '{spec.Name}': {plan.Runs.Count} runs ({plan.Runs.Count(r => r.Kind == RunKind.IsoFlop)} isoFLOP over " +
            $"{spec.Budgets.Count} budgets, {plan.Runs.Count(r => r.Kind == RunKind.Overtrained)} overtrained, {plan.Runs.Count(r => r.Kind == RunKind.Extra)} extra" +
            (spec.Repeated.Count > 0 ? $", {plan.Runs.Count(r => r.Kind == RunKind.Repeated)} on repeated data → evidence-repeated.csv" : "") + "), " +
            $"{T2.Core.Health.Num.G(plan.Runs.Sum(r => r.Flops))} training FLOPs; N counts every parameter (the tied output head included, as the FLOPs do).");
        // The runs finished before this call: a rerun (and the demo's second ladder stage) lists only what it trained.
        var finishedBefore = LadderRunner.Records(s.Out, spec).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        LadderResult result = null!;
        if (s.Json || Console.IsErrorRedirected)
        {
            // Piped: one progress line per finished run on stderr, nothing redrawn.
            int last = -1; string lastPhase = "train";
            var progress = new SyncProgress<LadderProgress>(r =>
            {
                if (r.RunsDone == last && r.Phase == lastPhase) return;
                (last, lastPhase) = (r.RunsDone, r.Phase);
                ctx.Error.WriteLine(r.Phase == "train"
                    ? $"t2: {r.RunsDone}/{r.RunsTotal} runs, {100 * r.FlopsDone / r.FlopsTotal:F0}% of FLOPs, {r.TokensPerSecond:N0} tok/s, ETA {r.Eta:hh\\:mm\\:ss}"
                    : $"t2: post-training {r.RunsDone}/{r.RunsTotal} checkpoints, {100 * r.FlopsDone / Math.Max(1e-300, r.FlopsTotal):F0}% of its FLOPs, ETA {r.Eta:hh\\:mm\\:ss}");
            });
            result = LadderRunner.Run(s.Out, spec, progress);
        }
        else
        {
            ctx.Console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(pc =>
                {
                    var task = pc.AddTask("ladder", maxValue: 1);
                    var progress = new SyncProgress<LadderProgress>(r =>
                    {
                        task.Value = r.FlopsDone / Math.Max(1e-300, r.FlopsTotal);
                        task.Description = r.Phase != "train" ? $"post-training {r.RunsDone}/{r.RunsTotal} checkpoints · ETA {r.Eta:hh\\:mm\\:ss}" : $"{r.RunsDone}/{r.RunsTotal} runs · {T2.Core.Health.Num.G(r.FlopsDone)}/{T2.Core.Health.Num.G(r.FlopsTotal)} FLOPs · {r.TokensPerSecond:N0} tok/s · ETA {r.Eta:hh\\:mm\\:ss}";
                    });
                    result = LadderRunner.Run(s.Out, spec, progress);
                    task.Value = 1;
                });
        }
        var records = LadderRunner.Records(s.Out, spec);
        if (s.Json)
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("dir", result.Dir); w.WriteNumber("runs", result.Runs); w.WriteNumber("trained", result.Trained); w.WriteNumber("skipped", result.Skipped);
                w.Number("seconds", result.Seconds); w.Number("overall_flops_per_s", result.OverallFlopsPerSecond);
                w.Number("best_single_run_flops_per_s", result.BestSingleRunFlopsPerSecond); w.WriteNumber("parallel", result.Parallel);
                w.WriteString("evidence", result.EvidencePath);
                if (result.SamplesPath is { } sp) w.WriteString("samples", sp);
                w.WriteEndObject();
            }));
            return 0;
        }
        var trainedNow = records.Where(r => !finishedBefore.Contains(r.Id)).ToList();
        // Through Tables.Write: a table when it fits the console, one line per run when it does not (piped, 80 columns).
        Tables.Write(ctx.Console, ["run", "kind", "N", "D", "D/N", "C", "loss", "tok/s"],
            trainedNow.Select(r => new[] { Markup.Escape(r.Id), r.Kind, T2.Core.Health.Num.G(r.N), T2.Core.Health.Num.G(r.Tokens),
                ((double)r.Tokens / r.N).ToString("0", CultureInfo.InvariantCulture), T2.Core.Health.Num.G(r.CTrain),
                r.FinalLoss.ToString("F3", CultureInfo.InvariantCulture), r.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture) }).ToList(),
            new HashSet<int> { 2, 3, 4, 5, 6, 7 });
        ctx.Console.MarkupLine($"{result.Trained} run(s) trained, {result.Skipped} already finished, in {result.Seconds:F0} s; " +
            $"overall {T2.Core.Health.Num.G(result.OverallFlopsPerSecond)} FLOP/s with {result.Parallel} side by side (best single run {T2.Core.Health.Num.G(result.BestSingleRunFlopsPerSecond)} FLOP/s)");
        ctx.Console.MarkupLine($"evidence → {Markup.Escape(result.EvidencePath)}{(result.SamplesPath is { } s2 ? $", samples → {Markup.Escape(s2)}" : "")}");
        foreach (var v in spec.PostTrain)
            ctx.Console.MarkupLine($"{v.ToUpperInvariant()} of every checkpoint (same settings and steps) → {Markup.Escape(LadderRunner.EvidencePath(s.Out, v))}; " +
                $"cost and answer-NLL gains → {Markup.Escape(LadderRunner.PostTrainingPath(s.Out))}");
        return 0;
    }
}
