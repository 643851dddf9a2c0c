using Spectre.Console;
using T2.Cli.Data;

namespace T2.Cli.Rendering;

/// <summary>Terminal summary of a T² fit file: per task, each approach's parameters (with intervals), diagnostics and the Beta check.</summary>
public static class T2FitReport
{
    public static void Render(IAnsiConsole console, FitFile.Doc doc, string path)
    {
        console.MarkupLine($"[bold]T² fit[/] of {Markup.Escape(doc.Data.File)} ({doc.Data.Rows} rows, {doc.Data.Checkpoints} checkpoint×task groups; N = {Markup.Escape(doc.Data.NColumn)}, D = {Markup.Escape(doc.Data.DColumn)}) → {Markup.Escape(path)}");
        foreach (var t in doc.Tasks)
        {
            console.MarkupLine($"\n[bold]task {Markup.Escape(t.Task)}[/]: {t.Checkpoints.Count} checkpoints, evidence = {t.Evidence}, k ∈ {{{string.Join(", ", t.KGrid.Select(Format.Short))}}}");
            console.MarkupLine($"NLL_k target: {Markup.Escape(t.Target)}");
            if (t.Approach1 is { } a1)
            {
                console.MarkupLine("[bold]Approach 1[/]  L̂(N, D, k) = E + A/N^α + B/D^β + G/k^γ");
                console.Write(ParamTable(a1.Params, a1.Intervals));
                console.Write(DiagTable(a1.Diagnostics, a1.DroppedObservations > 0 ? $"{a1.DroppedObservations} observations dropped (a checkpoint solved no question: −log 0)" : null,
                    a1.Bootstrap.Count, a1.BootstrapRequested));
            }
            if (t.Approach2 is { } a2)
            {
                console.MarkupLine($"[bold]Approach 2[/]  stage 1 ({Markup.Escape(a2.Stage1.Method)}, objective {Format.Short(a2.Stage1.Objective)}); stage 2: μ = θ2/(1+e^(θ1(L̂−θ0))), ν = e^(θ3+θ4·L̂)");
                var all = a2.Stage1.Params.Concat(a2.Theta).ToDictionary(kv => kv.Key, kv => kv.Value);
                console.Write(ParamTable(all, a2.Intervals));
                console.Write(DiagTable(a2.Diagnostics, null, a2.Bootstrap.Count, a2.BootstrapRequested));
            }
            if (t.Holdout is { } h)
            {
                string Pct(double? v) => v is { } x ? $"{100 * x:0.0} %" : "—";
                console.MarkupLine($"Extrapolation check: refit without N ∈ {{{string.Join(", ", h.HeldOutN.Select(Format.Short))}}} ({h.HeldOutCheckpoints} checkpoints held out): " +
                    $"Approach 1 NLL_k mean relative error {Pct(h.Approach1MeanRelativeError)} (signed {Pct(h.Approach1MeanSignedRelativeError)}, {h.Approach1Points} points); " +
                    $"Approach 2 Acc_k {Pct(h.Approach2MeanRelativeError)} (signed {Pct(h.Approach2MeanSignedRelativeError)}, {h.Approach2Points} points)");
            }
            var gaps = t.Checkpoints.Select(c => c.BetaMaxAccGap).Where(double.IsFinite).Order().ToArray();
            if (gaps.Length > 0)
            {
                var worst = t.Checkpoints.Where(c => double.IsFinite(c.BetaMaxAccGap)).MaxBy(c => c.BetaMaxAccGap)!;
                console.MarkupLine($"Beta check (per checkpoint, Beta fitted by maximum likelihood; largest |Acc_k(Beta) − Acc_k(observed)| over the k grid): " +
                    $"median {Format.Short(gaps[gaps.Length / 2])}, worst {Format.Short(worst.BetaMaxAccGap)} ({Markup.Escape(worst.Name)} at k = {Format.Short(worst.BetaGapAtK)})");
            }
        }
    }

    private static Table ParamTable(Dictionary<string, double> p, Dictionary<string, FitFile.Interval>? iv)
    {
        var t = new Table().AddColumn("parameter").AddColumn(new TableColumn("value").RightAligned());
        if (iv is not null) t.AddColumn(new TableColumn("bootstrap interval").RightAligned());
        foreach (var (k, v) in p)
        {
            if (iv is not null && iv.TryGetValue(k, out var i)) t.AddRow(k, Format.Full(v), Markup.Escape($"[{Format.Short(i.Lower)}, {Format.Short(i.Upper)}]"));
            else if (iv is not null) t.AddRow(k, Format.Full(v), "");
            else t.AddRow(k, Format.Full(v));
        }
        return t;
    }

    private static Table DiagTable(FitFile.Diagnostics d, string? note, int bootOk, int bootRequested)
    {
        var t = new Table().AddColumn("diagnostic").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("objective (sum of squares) / RMSE", $"{Format.Short(d.Objective)} / {Format.Short(d.Rmse)}");
        t.AddRow("converged (stop rule)", $"{d.Converged} ({d.StopReason})");
        t.AddRow("starts tried / converged / failed / within 1e-9 of best", $"{d.StartsTried} / {d.StartsConverged} / {d.StartsFailed} / {d.StartsNearBest}");
        t.AddRow("observations", d.Observations.ToString());
        if (bootRequested > 0) t.AddRow("bootstrap resamples succeeded", $"{bootOk} / {bootRequested}");
        if (note is not null) t.AddRow("note", Markup.Escape(note));
        return t;
    }
}
