using Spectre.Console;
using T2.Cli.Data;
using T2.Core.Fitting;

namespace T2.Cli.Rendering;

/// <summary>The result of <c>t2 fit loss</c> as a terminal table or a JSON object.</summary>
public sealed record LossFitReport(string Path, LossData Points, ChinchillaFitResult Fit, double[] Budgets, BootstrapResult? Bootstrap)
{
    public string ToJson() => Json.Write(w =>
    {
        var law = Fit.Law;
        w.WriteStartObject();
        w.Number("E", law.E); w.Number("A", law.A); w.Number("B", law.B);
        w.Number("alpha", law.Alpha); w.Number("beta", law.Beta);
        w.Number("objective", Fit.Objective);
        w.WriteString("objective_kind", Fit.ObjectiveKind == LossObjective.HuberLog ? "huber_log" : "squared_error");
        if (Fit.ObjectiveKind == LossObjective.HuberLog) w.Number("huber_delta", Fit.HuberDelta);
        w.Number("a_opt", law.NExponent); w.Number("b_opt", law.DExponent);
        w.WriteStartObject("diagnostics");
        w.WriteBoolean("converged", Fit.Converged);
        w.WriteString("stop_reason", Fit.Reason.ToString());
        w.Number("gradient_norm", Fit.GradientNorm);
        w.WriteNumber("iterations", Fit.Iterations);
        w.WriteNumber("evaluations", Fit.Evaluations);
        w.WriteNumber("starts_tried", Fit.StartsTried);
        w.WriteNumber("starts_converged", Fit.StartsConverged);
        w.WriteNumber("starts_failed", Fit.StartsFailed);
        w.WriteNumber("starts_near_best", Fit.StartsNearBest);
        w.WriteStartArray("best_objectives"); foreach (var f in Fit.BestObjectives) w.Number(f); w.WriteEndArray();
        if (Fit.VarProObjective is { } vp) w.Number("varpro_objective", vp);
        w.WriteEndObject();
        w.WriteStartObject("data");
        w.WriteString("file", Path); w.WriteNumber("points", Points.N.Length);
        w.WriteString("n_column", Points.NColumn); w.WriteString("d_column", Points.DColumn); w.WriteString("loss_column", Points.LossColumn);
        w.WriteEndObject();
        if (Budgets.Length > 0)
        {
            w.WriteStartArray("compute_optimal");
            foreach (var c in Budgets)
            {
                var o = law.ComputeOptimal(c);
                w.WriteStartObject();
                w.Number("C", c); w.Number("N_opt", o.N); w.Number("D_opt", o.D); w.Number("tokens_per_param", o.TokensPerParameter); w.Number("loss", o.Loss);
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
            w.WriteEndObject();
        }
        w.WriteEndObject();
    });

    private static void WriteInterval(System.Text.Json.Utf8JsonWriter w, string name, Interval iv)
    {
        w.WriteStartObject(name); w.Number("estimate", iv.Estimate); w.Number("lower", iv.Lower); w.Number("upper", iv.Upper); w.WriteEndObject();
    }

    public void Render(IAnsiConsole console)
    {
        var law = Fit.Law;
        console.MarkupLine($"[bold]Chinchilla loss law[/] fitted to {Points.N.Length} points of {Markup.Escape(Path)}  (N = {Markup.Escape(Points.NColumn)}, D = {Markup.Escape(Points.DColumn)}, loss = {Markup.Escape(Points.LossColumn)})");
        console.MarkupLine(Fit.ObjectiveKind == LossObjective.HuberLog
            ? $"objective: Σ Huber(δ = {Format.Short(Fit.HuberDelta)}) of log-loss residuals (summed)"
            : "objective: Σ (L̂ − L)² (squared error on loss)");
        var t = new Table().AddColumn("parameter").AddColumn(new TableColumn("value").RightAligned());
        bool boot = Bootstrap is not null;
        if (boot) t.AddColumn(new TableColumn($"{Bootstrap!.Level:P0} interval").RightAligned());
        void Row(string name, string key, double v)
        {
            if (boot && Bootstrap!.Parameters.TryGetValue(key, out var iv)) t.AddRow(name, Format.Full(v), Markup.Escape($"[{Format.Short(iv.Lower)}, {Format.Short(iv.Upper)}]"));
            else if (boot) t.AddRow(name, Format.Full(v), "");
            else t.AddRow(name, Format.Full(v));
        }
        Row("E", "E", law.E); Row("A", "A", law.A); Row("B", "B", law.B); Row("α", "alpha", law.Alpha); Row("β", "beta", law.Beta);
        Row("a = β/(α+β)  (N_opt ∝ C^a)", "a_opt", law.NExponent);
        console.Write(t);
        var diag = new Table().AddColumn("diagnostic").AddColumn(new TableColumn("value").RightAligned());
        diag.AddRow("best objective", Format.Full(Fit.Objective));
        diag.AddRow("converged (stop rule)", $"{Fit.Converged} ({Fit.Reason})");
        diag.AddRow("projected gradient norm", Format.Short(Fit.GradientNorm));
        diag.AddRow("iterations / evaluations (best start)", $"{Fit.Iterations} / {Fit.Evaluations}");
        diag.AddRow("starts tried / converged / failed", $"{Fit.StartsTried} / {Fit.StartsConverged} / {Fit.StartsFailed}");
        diag.AddRow("starts within 1e-9 of the best (stability, not uncertainty)", Fit.StartsNearBest.ToString());
        diag.AddRow("next distinct optima", string.Join(", ", Fit.BestObjectives.Skip(1).Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))));
        if (Fit.VarProObjective is { } vp) diag.AddRow("variable-projection optimum (cross-check)", Format.Full(vp));
        if (Bootstrap is { } bb) diag.AddRow("bootstrap resamples succeeded", $"{bb.Succeeded} / {bb.Requested} (seed {bb.Seed})");
        console.Write(diag);
        if (Budgets.Length > 0)
        {
            var c = new Table().AddColumn("C (FLOPs)").AddColumn("N_opt").AddColumn("D_opt").AddColumn("D/N").AddColumn("loss");
            foreach (var budget in Budgets)
            {
                var o = law.ComputeOptimal(budget);
                var bi = Bootstrap?.Budgets.FirstOrDefault(x => x.Compute == budget);
                string Cell(double v, Interval? iv) => iv is null ? Format.Short(v) : Markup.Escape($"{Format.Short(v)} [{Format.Short(iv.Lower)}, {Format.Short(iv.Upper)}]");
                c.AddRow(Format.Short(budget), Cell(o.N, bi?.N), Cell(o.D, bi?.D), Cell(o.TokensPerParameter, bi?.TokensPerParameter), Format.Short(o.Loss));
            }
            console.MarkupLine("[bold]Compute-optimal allocation[/] (training only, C = 6ND)");
            console.Write(c);
        }
    }
}
