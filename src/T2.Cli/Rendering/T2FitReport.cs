using Spectre.Console;
using T2.Cli.Data;
using T2.Core.Fitting;
using T2.Core.Health;
using static T2.Cli.Data.FitDocs;

namespace T2.Cli.Rendering;

/// <summary>Terminal summary of a T² fit file: per task, each approach's parameters (with intervals), diagnostics, health and cross-validation.</summary>
public static class T2FitReport
{
    /// <summary>Every finding in the file (tasks, approaches, bootstraps), for --strict.</summary>
    public static IEnumerable<Finding> AllFindings(FitFile.Doc doc) => doc.Tasks.SelectMany(t =>
        FromDocs(t.Health).Concat(FromDocs(t.Approach1?.Health)).Concat(FromDocs(t.Approach1?.Bootstrap?.Health))
            .Concat(FromDocs(t.Approach2?.Health)).Concat(FromDocs(t.Approach2?.Bootstrap?.Health)));

    /// <summary>Every variant of the fit file, each under its own heading (one variant: exactly <see cref="Render"/>).</summary>
    public static void RenderVariants(IAnsiConsole console, FitFile.Doc doc, string path)
    {
        var docs = FitFile.VariantDocs(doc);
        foreach (var d in docs)
        {
            if (docs.Count > 1)
                console.MarkupLine($"\n[bold underline]variant {Markup.Escape(d.Variant ?? "base")}[/]" +
                    (d.PostTrainingTokens is { } pt && pt > 0 ? $" (post-training: {Format.Sig(pt)} tokens per checkpoint)" : ""));
            Render(console, d, path);
        }
    }

    /// <summary>"fitted on 30 checkpoints by kind: extra 8, isoflop 19, overtrained 3 …" when the evidence has a kind
    /// column; a fit over kinds other than isoFLOP says how to select the isoFLOP runs alone (what validate fits).</summary>
    public static string? KindsLine(FitFile.DataInfo data)
    {
        if (data.CheckpointsByKind is not { Count: > 0 } kinds) return null;
        string line = $"fitted on {kinds.Values.Sum()} checkpoints by kind: {string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}"))}";
        return kinds.Keys.Any(k => k != "isoflop") && kinds.ContainsKey("isoflop")
            ? line + " — every kind was fitted; --where kind=isoflop fits the isoFLOP runs alone, as validate does"
            : line;
    }

    public static void Render(IAnsiConsole console, FitFile.Doc doc, string path)
    {
        console.MarkupLine($"[bold]T² fit[/] of {Markup.Escape(doc.Data.File)} ({doc.Data.Rows} rows, {doc.Data.Checkpoints} checkpoint×task groups; " +
            $"N = {Markup.Escape(doc.Data.NColumn)}, D = {Markup.Escape(doc.Data.DColumn)}) → {Markup.Escape(path)}");
        if (KindsLine(doc.Data) is { } kinds) console.MarkupLine(Markup.Escape(kinds));
        foreach (var t in doc.Tasks)
        {
            console.MarkupLine($"\n[bold]task {Markup.Escape(t.Task)}[/]: {t.Checkpoints.Count} checkpoints, evidence = {t.Evidence}, k ∈ {{{string.Join(", ", t.KGrid.Select(Format.Short))}}}");
            console.MarkupLine($"NLL_k target: {Markup.Escape(t.Target)}");
            if (t.Approach1 is { } a1)
            {
                console.MarkupLine("[bold]Approach 1[/]  L̂(N, D, k) = E + A/N^α + B/D^β + G/k^γ");
                ParamTable(console, a1.Params, a1.Intervals);
                DiagTable(console, a1.Diagnostics, a1.Range, a1.DroppedObservations > 0 ? $"{a1.DroppedObservations} observations dropped (a checkpoint solved no question: −log 0)" : null,
                    a1.Bootstrap);
                HealthView.Write(console, [.. FromDocs(a1.Health), .. FromDocs(a1.Bootstrap?.Health)], "Approach 1 health");
            }
            if (t.Approach2 is { } a2)
            {
                console.MarkupLine($"[bold]Approach 2[/]  stage 1 ({Markup.Escape(a2.Stage1.Method)}, objective {Format.Short(a2.Stage1.Objective)}); stage 2: μ = θ2/(1+e^(θ1(L̂−θ0))), ν = e^(θ3+θ4·L̂)");
                var all = a2.Stage1.Params.Concat(a2.Theta).ToDictionary(kv => kv.Key, kv => kv.Value);
                ParamTable(console, all, a2.Intervals);
                DiagTable(console, a2.Diagnostics, a2.Range, null, a2.Bootstrap);
                HealthView.Write(console, [.. FromDocs(a2.Health), .. FromDocs(a2.Bootstrap?.Health)], "Approach 2 health (stages 1 and 2)");
            }
            var gaps = t.Checkpoints.Select(c => c.BetaMaxAccGap).Where(double.IsFinite).Order().ToArray();
            if (gaps.Length > 0)
            {
                var worst = t.Checkpoints.Where(c => double.IsFinite(c.BetaMaxAccGap)).MaxBy(c => c.BetaMaxAccGap)!;
                console.MarkupLine($"Beta check (per checkpoint, Beta fitted by maximum likelihood; largest |Acc_k(Beta) − Acc_k(observed)| over the k grid): " +
                    $"median {Format.Short(gaps[gaps.Length / 2])}, worst {Format.Short(worst.BetaMaxAccGap)} ({Markup.Escape(worst.Name)} at k = {Format.Short(worst.BetaGapAtK)})");
            }
            HealthView.Write(console, FromDocs(t.Health), "task health");
            if (t.Cv?.Approach1 is { } c1) CvView.Write(console, "cross-validation, Approach 1 (NLL_k)", FromDoc(c1));
            if (t.Cv?.Approach2 is { } c2) CvView.Write(console, "cross-validation, Approach 2 (Acc_k)", FromDoc(c2));
        }
        if (doc.Macro is { } m)
        {
            console.MarkupLine($"\n[bold]macro average[/] of {Markup.Escape(string.Join(", ", m.Tasks))}: {Markup.Escape(m.Definition)}");
            var rows = m.Approaches.Select(a => new[] { a.Approach, a.Metric, a.Points.Select(p => p.Checkpoint).Distinct().Count().ToString(),
                Format.Percent(a.MeanRelativeError), Format.Percent(a.MeanSignedRelativeError) }).ToList();
            Tables.Write(console, ["approach", "metric", "checkpoints", "mean |relative error| in sample", "signed"], rows, new HashSet<int> { 2, 3, 4 });
        }
    }

    private static CvResult FromDoc(CvDoc d) => new(d.Scheme, d.Metric, d.Seconds,
        d.Folds.Select(f => new CvFold(f.Fold, f.LeftOutN, f.Points, f.RelativeError, f.SignedRelativeError, f.Impossible)
        {
            TrainSizes = f.TrainSizes, StageOneSignedRelativeError = f.StageOneSignedRelativeError, StageTwoRelativeError = f.StageTwoRelativeError,
            StageTwoSignedRelativeError = f.StageTwoSignedRelativeError,
        }).ToList());

    private static void ParamTable(IAnsiConsole console, Dictionary<string, double> p, Dictionary<string, IntervalDoc>? iv)
    {
        var rows = p.Select(kv => iv is null ? new[] { kv.Key, Format.Full(kv.Value) }
            : [kv.Key, Format.Full(kv.Value), iv.TryGetValue(kv.Key, out var i) ? Markup.Escape($"[{Format.Short(i.Lower)}, {Format.Short(i.Upper)}]") : ""]).ToList();
        Tables.Write(console, iv is null ? ["parameter", "value"] : ["parameter", "value", "bootstrap interval"], rows, new HashSet<int> { 1, 2 });
    }

    private static void DiagTable(IAnsiConsole console, DiagnosticsDoc d, RangeDoc r, string? note, BootstrapDoc? boot)
    {
        var rows = new List<string[]>
        {
            new[] { "objective (sum of squares) / RMSE", $"{Format.Short(d.Objective)} / {Format.Short(d.Rmse)}" },
            new[] { "converged (stop rule)", $"{d.Converged} ({d.StopReason})" },
            new[] { "projected gradient (tolerance)", $"{Format.Short(d.GradientNorm)} ({Format.Short(d.GradientTolerance)})" },
            new[] { "starts tried / converged / non-finite / near best", $"{d.StartsTried} / {d.StartsConverged} / {d.StartsFailed} / {d.StartsNearBest}" },
            new[] { "observations", d.Observations.ToString() },
            new[] { "fitted range", $"N {Format.Sig(r.NMin)}–{Format.Sig(r.NMax)}, D {Format.Sig(r.DMin)}–{Format.Sig(r.DMax)}, D/N {Format.Sig(r.RatioMin)}–{Format.Sig(r.RatioMax)}, k {Format.Sig(r.KMin)}–{Format.Sig(r.KMax)}" },
        };
        if (boot is not null) rows.Add(["bootstrap resamples succeeded", $"{boot.Succeeded} / {boot.Requested}"]);
        if (note is not null) rows.Add(["note", Markup.Escape(note)]);
        Tables.Write(console, ["diagnostic", "value"], rows, null, new HashSet<int> { 1 });
    }
}
