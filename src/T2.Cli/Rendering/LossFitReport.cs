using Spectre.Console;
using T2.Cli.Data;
using T2.Core.Fitting;
using T2.Core.Health;
using T2.Core.Planning;
using T2.Core.Statistics;

namespace T2.Cli.Rendering;

/// <summary>The result of <c>t2 fit loss</c> as a terminal table or a JSON object, with health, trust and cross-validation.</summary>
public sealed record LossFitReport(string Path, LossData Points, ChinchillaFitResult Fit, double[] Budgets, BootstrapResult? Bootstrap, CvResult? Cv,
    LossFitFile.Doc Doc)
{
    public IReadOnlyList<Finding> Health => [.. Fit.Health, .. Bootstrap?.Health ?? []];

    /// <summary>Every finding the run produced, including each compute-optimal point's trust (for --strict).</summary>
    public IEnumerable<Finding> AllFindings() => Health.Concat(Budgets.Where(_ => double.IsFinite(Fit.Law.E))
        .Select(Trust).Select(t => new Finding("plan_trust", t.Severity, t.Verdict)));

    private PlanTrust Trust(double c)
    {
        var o = Fit.Law.ComputeOptimal(c);
        return LossFitFile.Trust(Doc, o.N, o.D);
    }

    public string ToJson() => Json.Write(w =>
    {
        var law = Fit.Law; var d = Fit.Diagnostics;
        w.WriteStartObject();
        w.Number("E", law.E); w.Number("A", law.A); w.Number("B", law.B);
        w.Number("alpha", law.Alpha); w.Number("beta", law.Beta);
        w.Number("objective", Fit.Objective);
        w.WriteString("objective_kind", Fit.ObjectiveKind == LossObjective.HuberLog ? "huber_log" : "squared_error");
        if (Fit.ObjectiveKind == LossObjective.HuberLog) w.Number("huber_delta", Fit.HuberDelta);
        w.Number("a_opt", law.NExponent); w.Number("b_opt", law.DExponent);
        w.WriteStartObject("diagnostics");
        w.WriteBoolean("converged", d.Converged);
        w.WriteString("stop_reason", d.Reason.ToString());
        w.Number("gradient_norm", d.GradientNorm);
        w.Number("gradient_tolerance", d.GradientTolerance);
        w.WriteNumber("iterations", d.Iterations);
        w.WriteNumber("evaluations", d.Evaluations);
        w.WriteNumber("starts_tried", d.StartsTried);
        w.WriteNumber("starts_converged", d.StartsConverged);
        w.WriteNumber("starts_failed", d.StartsFailed);
        w.WriteNumber("starts_near_best", d.StartsNearBest);
        w.WriteNumber("valley_optima", d.Valley.Length);
        w.WriteStartArray("best_objectives"); foreach (var f in d.BestObjectives) w.Number(f); w.WriteEndArray();
        if (Fit.VarProObjective is { } vp) w.Number("varpro_objective", vp);
        w.WriteEndObject();
        w.WriteStartObject("data");
        w.WriteString("file", Path); w.WriteNumber("points", Points.N.Length);
        w.WriteString("n_column", Points.NColumn); w.WriteString("d_column", Points.DColumn); w.WriteString("loss_column", Points.LossColumn);
        w.WriteEndObject();
        var r = Fit.Range;
        w.WriteStartObject("range");
        w.Number("n_min", r.NMin); w.Number("n_max", r.NMax); w.Number("d_min", r.DMin); w.Number("d_max", r.DMax);
        w.Number("ratio_min", r.RatioMin); w.Number("ratio_max", r.RatioMax);
        w.WriteEndObject();
        TrustJson.Findings(w, "health", Health);
        if (Budgets.Length > 0 && double.IsFinite(law.E))
        {
            w.WriteStartArray("compute_optimal");
            foreach (var c in Budgets)
            {
                var o = law.ComputeOptimal(c);
                w.WriteStartObject();
                w.Number("C", c); w.Number("N_opt", o.N); w.Number("D_opt", o.D); w.Number("tokens_per_param", o.TokensPerParameter); w.Number("loss", o.Loss);
                TrustJson.Trust(w, Trust(c));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (Bootstrap is { } b)
        {
            w.WriteStartObject("bootstrap");
            w.WriteNumber("resamples", b.Requested); w.WriteNumber("succeeded", b.Succeeded); w.WriteNumber("seed", b.Seed); w.Number("level", b.Level);
            w.WriteStartObject("intervals");
            foreach (var (name, iv) in b.Parameters) WriteInterval(w, name, iv);
            w.WriteEndObject();
            w.WriteStartArray("compute_optimal");
            foreach (var bi in b.Budgets)
            {
                w.WriteStartObject(); w.Number("C", bi.Compute);
                WriteInterval(w, "N_opt", bi.N); WriteInterval(w, "D_opt", bi.D); WriteInterval(w, "tokens_per_param", bi.TokensPerParameter);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            TrustJson.Findings(w, "health", b.Health);
            w.WriteEndObject();
        }
        if (Cv is { } cv) CvView.Write(w, "cv", cv);
        w.WriteEndObject();
    });

    private static void WriteInterval(System.Text.Json.Utf8JsonWriter w, string name, Interval iv)
    {
        w.WriteStartObject(name); w.Number("estimate", iv.Estimate); w.Number("lower", iv.Lower); w.Number("upper", iv.Upper); w.WriteEndObject();
    }

    public void Render(IAnsiConsole console, string? outPath)
    {
        var law = Fit.Law; var d = Fit.Diagnostics;
        console.MarkupLine($"[bold]Chinchilla loss law[/] fitted to {Points.N.Length} points of {Markup.Escape(Path)}  (N = {Markup.Escape(Points.NColumn)}, D = {Markup.Escape(Points.DColumn)}, loss = {Markup.Escape(Points.LossColumn)})");
        console.MarkupLine(Fit.ObjectiveKind == LossObjective.HuberLog
            ? $"objective: Σ Huber(δ = {Format.Short(Fit.HuberDelta)}) of log-loss residuals (summed)"
            : "objective: Σ (L̂ − L)² (squared error on loss)");
        bool boot = Bootstrap is not null;
        var headers = boot ? new[] { "parameter", "value", $"{Bootstrap!.Level:P0} interval" } : new[] { "parameter", "value" };
        var rows = new List<string[]>();
        void Row(string name, string key, double v)
        {
            if (!boot) { rows.Add([name, Format.Full(v)]); return; }
            rows.Add(Bootstrap!.Parameters.TryGetValue(key, out var iv) ? [name, Format.Full(v), Markup.Escape($"[{Format.Short(iv.Lower)}, {Format.Short(iv.Upper)}]")] : [name, Format.Full(v), ""]);
        }
        Row("E", "E", law.E); Row("A", "A", law.A); Row("B", "B", law.B); Row("α", "alpha", law.Alpha); Row("β", "beta", law.Beta);
        Row("a = β/(α+β)", "a_opt", law.NExponent);
        Tables.Write(console, headers, rows, new HashSet<int> { 1, 2 });
        var diag = new List<string[]>
        {
            new[] { "best objective", Format.Full(Fit.Objective) },
            new[] { "converged (stop rule)", $"{d.Converged} ({d.Reason})" },
            new[] { "projected gradient (tolerance)", $"{Format.Short(d.GradientNorm)} ({Format.Short(d.GradientTolerance)})" },
            new[] { "iterations / evaluations", $"{d.Iterations} / {d.Evaluations}" },
            new[] { "starts tried / converged / non-finite", $"{d.StartsTried} / {d.StartsConverged} / {d.StartsFailed}" },
            new[] { "converged starts within 1e-9 of the best", d.StartsNearBest.ToString() },
            new[] { "indistinguishable optima (valley)", $"{d.Valley.Length} within Δf ≤ {Format.Short(d.ValleyWindow)}" },
            new[] { "next distinct optima", string.Join(", ", d.BestObjectives.Skip(1).Select(v => Format.Sig(v, 6))) },
        };
        if (Fit.VarProObjective is { } vp) diag.Add(["variable-projection optimum", Format.Full(vp)]);
        if (Bootstrap is { } bb) diag.Add(["bootstrap resamples succeeded", $"{bb.Succeeded} / {bb.Requested} (seed {bb.Seed})"]);
        var r = Fit.Range;
        diag.Add(["fitted range", $"N {Format.Sig(r.NMin)}–{Format.Sig(r.NMax)}, D {Format.Sig(r.DMin)}–{Format.Sig(r.DMax)}, D/N {Format.Sig(r.RatioMin)}–{Format.Sig(r.RatioMax)}"]);
        Tables.Write(console, ["diagnostic", "value"], diag, new HashSet<int> { 1 });
        HealthView.Write(console, Health);
        if (Budgets.Length > 0 && double.IsFinite(law.E))
        {
            var c = new List<string[]>();
            var verdicts = new List<string>();
            foreach (var budget in Budgets)
            {
                var o = law.ComputeOptimal(budget);
                var bi = Bootstrap?.Budgets.FirstOrDefault(x => x.Compute == budget);
                string Cell(double v, Interval? iv) => iv is null ? Format.Sig(v) : Markup.Escape($"{Format.Sig(v)} [{Format.Sig(iv.Lower)}, {Format.Sig(iv.Upper)}]");
                c.Add([Format.Sig(budget), Cell(o.N, bi?.N), Cell(o.D, bi?.D), Cell(o.TokensPerParameter, bi?.TokensPerParameter), Format.Sig(o.Loss, 4)]);
                verdicts.Add($"C = {Format.Sig(budget)}: trust: {HealthView.Verdict(Trust(budget))}");
            }
            console.MarkupLine("[bold]Compute-optimal allocation[/] (training only, C = 6ND)");
            Tables.Write(console, ["C (FLOPs)", "N_opt", "D_opt", "D/N", "loss"], c, new HashSet<int> { 0, 1, 2, 3, 4 });
            foreach (var v in verdicts) console.MarkupLine(v);
        }
        if (Cv is { } cv) CvView.Write(console, "cross-validation (loss)", cv);
        if (outPath is not null) console.MarkupLine($"fit file: {Markup.Escape(outPath)}");
    }
}
