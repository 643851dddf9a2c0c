using System.CommandLine;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Health;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary><c>t2 predict</c>: the fitted laws at given (N, D, k) points (or (N, D) for a loss-law fit file), each with its trust.</summary>
public static class PredictCommand
{
    public static Command Build(CliContext ctx)
    {
        var fit = CommonOptions.Fit();
        var n = CommonOptions.Numbers("--n", "Parameters N (comma list; one value is broadcast).", 1, Limits.MaxCount, required: true);
        var d = CommonOptions.Numbers("--d", "Training tokens D (comma list; one value is broadcast).", 1, Limits.MaxCount, required: true);
        var k = CommonOptions.Numbers("--k", "Samples per query k ≥ 1 (comma list; one value is broadcast). Not used by a loss-law fit file.", 1, Limits.MaxK, "samples per query");
        var task = new Option<string?>("--task") { Description = "Only this task." };
        var json = CommonOptions.Json("Print a list of {task, n, d, k, nll_k, acc_k, trust} (loss-law file: {n, d, loss, trust}).");
        var variant = CommonOptions.Variant();
        var strict = CommonOptions.Strict();
        var cmd = new Command("predict", "Evaluate the fitted laws: predicted NLL_k (Approach 1) and Acc_k (Approach 2), or the loss L(N, D).")
        { fit, n, d, k, task, json, variant, strict };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(fit)!;
            bool loss = FitFileIo.Kind(path) == "loss";
            if (!loss && CommonOptions.List(p, k) is null) throw new UsageException("--k is required with a T² fit file.");
            if (loss && CommonOptions.List(p, k) is not null) throw new UsageException("a loss-law fit file has no k; drop --k.");
            var ns = p.GetValue(n)!; var ds = p.GetValue(d)!;
            var ks = loss ? [1.0] : CommonOptions.List(p, k)!;
            int m = new[] { ns.Length, ds.Length, ks.Length }.Max();
            foreach (var (flag, v) in new[] { ("--n", ns), ("--d", ds), ("--k", ks) })
            {
                if (v.Length != 1 && v.Length != m) throw new UsageException($"{flag} has {v.Length} values; lists must have equal lengths ({m}) or one value.");
                foreach (var x in v)
                {
                    if (flag == "--k" && (!(x >= 1) || x > Limits.MaxK)) throw new UsageException($"--k {x:G4}: k must lie in [1, 1e9] (at least one sample per query).");
                    if (flag != "--k" && (!(x >= 1) || x > Limits.MaxCount)) throw new UsageException($"{flag} {x:G4}: must lie in [1, 1e30].");
                }
            }
            double At(double[] v, int i) => v[v.Length == 1 ? 0 : i];
            if (loss) return LossPredict(ctx, LossFitFile.Read(path), Enumerable.Range(0, m).Select(i => (At(ns, i), At(ds, i))).ToList(), p.GetValue(json), p.GetValue(strict));
            var doc = FitFile.Read(path);
            var rows = new List<(string Task, double N, double D, double K, double? Nll, PlanTrust? T1, double? Acc, PlanTrust? T2)>();
            var docs = FitFile.SelectVariants(doc, p.GetValue(variant), path);
            foreach (var vd in docs)
            foreach (var t0 in FitTasks.Select(vd, p.GetValue(task), path))
            {
                var t = docs.Count > 1 || vd.Variant is not null ? t0 with { Task = PlanCommand.Label(t0.Task, vd.Variant ?? "base") } : t0;
                var ft = t;
                var a1 = ft.Approaches.FirstOrDefault(a => a.Approach == "1"); var a2 = ft.Approaches.FirstOrDefault(a => a.Approach == "2");
                for (int i = 0; i < m; i++)
                {
                    double nn = At(ns, i), dd = At(ds, i), kk = At(ks, i);
                    rows.Add((t.Task, nn, dd, kk, a1?.Metric.Evaluate(nn, dd, kk), a1 is null ? null : TaskPlanner.PredictTrust(a1, nn, dd, kk),
                        a2?.Metric.Evaluate(nn, dd, kk), a2 is null ? null : TaskPlanner.PredictTrust(a2, nn, dd, kk)));
                }
            }
            if (p.GetValue(json))
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartArray();
                    foreach (var r in rows)
                    {
                        w.WriteStartObject(); w.WriteString("task", r.Task); w.Number("n", r.N); w.Number("d", r.D); w.Number("k", r.K);
                        if (r.Nll is { } a) w.Number("nll_k", a); else w.WriteNull("nll_k");
                        if (r.Acc is { } b) w.Number("acc_k", b); else w.WriteNull("acc_k");
                        // One trust per row: Approach 1's when present (its fit range), else Approach 2's; both are given when both exist.
                        if ((r.T1 ?? r.T2) is { } tr) TrustJson.Trust(w, tr);
                        if (r.T1 is not null && r.T2 is { } t2) { w.WriteStartObject("approach2"); TrustJson.Trust(w, t2); w.WriteEndObject(); }
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }));
            else
            {
                Tables.Write(ctx.Console, ["task", "N", "D", "k", "NLL_k (A1)", "Acc_k (A2)"], rows.Select(r => new[]
                {
                    Markup.Escape(r.Task), Format.Sig(r.N), Format.Sig(r.D), Format.Sig(r.K), r.Nll is { } a ? Format.Sig(a, 4) : "—", r.Acc is { } b ? Format.Sig(b, 4) : "—",
                }).ToList(), new HashSet<int> { 1, 2, 3, 4, 5 });
                foreach (var r in rows)
                {
                    if (r.T1 is { } t1) ctx.Console.MarkupLine($"{Markup.Escape(r.Task)} N={Format.Sig(r.N)} D={Format.Sig(r.D)} k={Format.Sig(r.K)} A1 trust: {HealthView.Verdict(t1)}");
                    if (r.T2 is { } t2) ctx.Console.MarkupLine($"{Markup.Escape(r.Task)} N={Format.Sig(r.N)} D={Format.Sig(r.D)} k={Format.Sig(r.K)} A2 trust: {HealthView.Verdict(t2)}");
                }
            }
            var all = rows.SelectMany(r => new[] { r.T1, r.T2 }).Where(t => t is not null).Select(t => new Finding("predict_trust", t!.Severity, t.Verdict));
            return CommonOptions.Exit(0, p.GetValue(strict), all);
        });
        return cmd;
    }

    private static int LossPredict(CliContext ctx, LossFitFile.Doc doc, List<(double N, double D)> points, bool json, bool strict)
    {
        var law = LossFitFile.Law(doc);
        var rows = points.Select(p => (p.N, p.D, L: law.Predict(p.N, p.D), T: LossFitFile.Trust(doc, p.N, p.D))).ToList();
        if (json)
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartArray();
                foreach (var r in rows) { w.WriteStartObject(); w.Number("n", r.N); w.Number("d", r.D); w.Number("loss", r.L); TrustJson.Trust(w, r.T); w.WriteEndObject(); }
                w.WriteEndArray();
            }));
        else
        {
            Tables.Write(ctx.Console, ["N", "D", "loss"], rows.Select(r => new[] { Format.Sig(r.N), Format.Sig(r.D), Format.Sig(r.L, 5) }).ToList(), new HashSet<int> { 0, 1, 2 });
            foreach (var r in rows) ctx.Console.MarkupLine($"N={Format.Sig(r.N)} D={Format.Sig(r.D)} trust: {HealthView.Verdict(r.T)}");
        }
        return CommonOptions.Exit(0, strict, rows.Select(r => new Finding("predict_trust", r.T.Severity, r.T.Verdict)));
    }
}
