using ScottPlot;
using T2.Core.Fitting;
using T2.Core.Planning;

namespace T2.Cli.Rendering;

/// <summary>
/// PNG + SVG plots (ScottPlot, headless). Data spanning decades go on log axes: ScottPlot plots log10 of the values and
/// a log tick generator labels them with the original numbers.
/// </summary>
public static class Plots
{
    public const int Width = 900, Height = 600;

    public static void Save(Plot plot, string dir, string name)
    {
        T2.IO.AtomicFile.EnsureDirectory(Path.GetFullPath(dir));
        T2.IO.AtomicFile.WriteVia(Path.Combine(dir, name + ".png"), tmp => plot.SavePng(tmp, Width, Height));
        T2.IO.AtomicFile.WriteVia(Path.Combine(dir, name + ".svg"), tmp => plot.SaveSvg(tmp, Width, Height));
    }

    /// <summary>Log-scale an axis whose data were passed as log10 values: major ticks at decades, minor ticks between.</summary>
    public static void LogAxis(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
    }

    private static double[] Log10(IEnumerable<double> v) => v.Select(x => x > 0 ? Math.Log10(x) : double.NaN).ToArray();

    /// <summary>One line of a frontier plot: the optimum at each budget and, when the fit has replicates, its bootstrap
    /// intervals at each budget (keys N, D, tokens_per_param, k), drawn as a band of the line's colour.</summary>
    /// <param name="KBelowOne">Per point: k = C_inf/2N &lt; 1 (the plan cannot pay for one sample per query). Those stretches
    /// are drawn thin in dark red with crosses, under their own legend entry, cut from the rest of the line.</param>
    public sealed record FrontierSeries(string Label, PlanPoint[] Points,
        IReadOnlyDictionary<string, T2.Core.Statistics.Interval>[]? Bands = null, string? BandLabel = null, IReadOnlyList<bool>? KBelowOne = null);

    /// <summary>Frontier plots: optimal tokens per parameter (with the 20:1 line), N* and D* against training compute.</summary>
    public static void Frontier(string dir, double[] cTrain, IReadOnlyList<FrontierSeries> series, double cInf)
    {
        var x = Log10(cTrain);
        foreach (var (name, title, yLabel, key, sel) in new (string, string, string, string, Func<PlanPoint, double>)[]
        {
            ("frontier_tokens_per_param", $"Optimal tokens per parameter (C_inf = {Format.Sig(cInf)} FLOPs per token)", "D*/N* (tokens per parameter)", "tokens_per_param", p => p.TokensPerParameter),
            ("frontier_n", $"Optimal model size (C_inf = {Format.Sig(cInf)})", "N* (parameters)", "N", p => p.N),
            ("frontier_d", $"Optimal training tokens (C_inf = {Format.Sig(cInf)})", "D* (tokens)", "D", p => p.D),
            ("frontier_k", $"Samples per query k* = C_inf/2N* (C_inf = {Format.Sig(cInf)})", "k* (samples)", "k", p => p.K),
        })
        {
            var plt = new Plot();
            foreach (var sr in series)
            {
                var y = Log10(sr.Points.Select(sel));
                var below = sr.KBelowOne ?? new bool[x.Length];
                ScottPlot.Plottables.Scatter? s = null;
                bool namedBelow = false;
                foreach (var (a, b, flagged) in SvgChart.Runs(below))
                {
                    var run = plt.Add.Scatter(x[a..(b + 1)], y[a..(b + 1)]);
                    run.MarkerSize = 4; run.LineWidth = 2;
                    if (!flagged)
                    {
                        if (s is null) { s = run; run.LegendText = sr.Label; } else run.Color = s.Color;
                        continue;
                    }
                    // Thin, dark red, crossed out: the SVG writer has no dash effects (it warns and draws them solid).
                    run.Color = Color.FromHex(SvgChart.KBelowOneColor); run.LineWidth = 1; run.MarkerShape = MarkerShape.Eks; run.MarkerSize = 9;
                    if (!namedBelow) run.LegendText = $"{sr.Label}, k < 1 (cannot serve one sample)";
                    namedBelow = true;
                }
                var color = s?.Color ?? Color.FromHex(SvgChart.KBelowOneColor); // a series k < 1 everywhere bands in its red
                if (sr.Bands is { } bands && bands.Length == x.Length)
                {
                    // Drawn under the line, in its colour: the optimum's bootstrap interval at each budget.
                    var band = plt.Add.FillY(x, Log10(bands.Select(b => b[key].Lower)), Log10(bands.Select(b => b[key].Upper)));
                    band.FillColor = color.WithAlpha(0.22); band.LineWidth = 0;
                    band.LegendText = $"{sr.Label}: {sr.BandLabel ?? "bootstrap band"}";
                    plt.MoveToBack(band);
                }
            }
            if (name == "frontier_k")
            {
                var one = plt.Add.HorizontalLine(0);   // log10 1
                one.LegendText = "k = 1 (one sample per query)"; one.LineWidth = 1; one.Color = Colors.Gray;
            }
            if (name == "frontier_tokens_per_param")
            {
                var h = plt.Add.HorizontalLine(Math.Log10(20));
                h.LegendText = "Chinchilla rule of thumb, 20 tokens/parameter"; h.LinePattern = LinePattern.Dashed;
            }
            plt.Title(title);
            plt.XLabel("Training compute C_train (FLOPs, log scale)");
            plt.YLabel(yLabel + ", log scale");
            LogAxis(plt.Axes.Bottom); LogAxis(plt.Axes.Left);
            plt.ShowLegend(Alignment.UpperLeft);
            Save(plt, dir, name);
        }
    }

    /// <summary>Per task: fitted against observed (NLL_k for Approach 1, Acc_k for Approach 2) and isoFLOP curves.</summary>
    public static void FitPlots(string dir, IReadOnlyList<T2TaskFitResult> results)
    {
        foreach (var r in results)
        {
            string safe = string.Concat(r.Task.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_'));
            if (r.Approach1 is { } a1)
            {
                var plt = new Plot();
                var obs = new List<double>(); var fit = new List<double>();
                foreach (var c in r.Checkpoints)
                    for (int q = 0; q < r.KGrid.Length; q++)
                        if (double.IsFinite(c.NllK[q])) { obs.Add(c.NllK[q]); fit.Add(a1.Law.Predict(c.N, c.D, r.KGrid[q])); }
                var s = plt.Add.ScatterPoints(obs.ToArray(), fit.ToArray()); s.LegendText = "checkpoint × k"; s.MarkerSize = 5;
                double lo = Math.Min(obs.Min(), fit.Min()), hi = Math.Max(obs.Max(), fit.Max());
                var diag = plt.Add.Line(lo, lo, hi, hi); diag.LegendText = "y = x"; diag.LinePattern = LinePattern.Dashed;
                plt.Title($"{r.Task}: Approach 1, fitted vs observed −log pass@k");
                plt.XLabel("observed NLL_k (nats)"); plt.YLabel("fitted L̂(N, D, k) (nats)");
                plt.ShowLegend(Alignment.UpperLeft);
                Save(plt, dir, $"{safe}_approach1_fit");
            }
            if (r.Approach2 is { } a2)
            {
                var plt = new Plot();
                var obs = new List<double>(); var fit = new List<double>();
                foreach (var c in r.Checkpoints)
                    for (int q = 0; q < r.KGrid.Length; q++) { obs.Add(c.AccK[q]); fit.Add(a2.Law.Predict(c.N, c.D, r.KGrid[q])); }
                var s = plt.Add.ScatterPoints(obs.ToArray(), fit.ToArray()); s.LegendText = "checkpoint × k"; s.MarkerSize = 5;
                var diag = plt.Add.Line(0, 0, 1, 1); diag.LegendText = "y = x"; diag.LinePattern = LinePattern.Dashed;
                plt.Title($"{r.Task}: Approach 2, fitted vs observed pass@k");
                plt.XLabel("observed Acc_k (fraction of questions)"); plt.YLabel("fitted E[pass@k]");
                plt.ShowLegend(Alignment.UpperLeft);
                Save(plt, dir, $"{safe}_approach2_fit");
            }
            IsoFlop(dir, safe, r);
        }
    }

    // Metric against N at each of the data's training budgets (binned to 0.5 decade), at k = 1 and inference-corrected.
    private static void IsoFlop(string dir, string safe, T2TaskFitResult r)
    {
        // The data's training budgets: C = 6ND clustered to 0.1 decade where at least three checkpoints share one (an isoFLOP
        // ladder), else whole decades; at most six, evenly spread, so the plot stays readable. Each budget's checkpoints are
        // drawn on its curve (observed at k = 1).
        var ns0 = r.Checkpoints.Select(c => c.N).ToList(); var ds0 = r.Checkpoints.Select(c => c.D).ToList();
        var clusters = IsoFlopBudgets.Of(ns0, ds0);
        if (clusters.Count == 0) clusters = IsoFlopBudgets.Of(ns0, ds0, decades: 1, minMembers: 1);
        int show = Math.Min(6, clusters.Count);
        var pickedB = Enumerable.Range(0, show).Select(i => clusters[show == 1 ? 0 : (int)Math.Round((clusters.Count - 1.0) * i / (show - 1))]).Distinct().ToList();
        var picked = pickedB.Select(b => b.Members.Select(i => r.Checkpoints[i])).ToList();
        var budgets = pickedB.Select(b => b.C).ToArray();
        int kOne = Array.IndexOf(r.KGrid, 1.0);
        double cInf = 2 * r.Range.NMax * r.Range.KMax; // the largest model at the largest k the data support
        var stage1 = r.Approach2?.Law.Loss ?? r.Approach1?.Law.AtKOne();
        foreach (var (approach, label, metric, yLabel) in new (string, string, PlanMetric?, string)[]
        {
            ("approach1", "Approach 1", r.Approach1 is null ? null : FittedTasks.A1Metric(r.Approach1.Law), "predicted −log pass@k (nats)"),
            ("approach2", "Approach 2", r.Approach2 is null ? null : FittedTasks.A2Metric(r.Approach2.Law), "predicted pass@k"),
        })
        {
            if (metric is null || stage1 is null) continue;
            var plt = new Plot();
            // The N range the fit used, shaded.
            var span = plt.Add.HorizontalSpan(Math.Log10(r.Range.NMin), Math.Log10(r.Range.NMax));
            span.FillStyle.Color = Colors.Gray.WithAlpha(0.12); span.LegendText = $"fitted N {Format.Sig(r.Range.NMin, 2)}–{Format.Sig(r.Range.NMax, 2)}";
            for (int bi = 0; bi < budgets.Length; bi++)
            {
                double c = budgets[bi];
                // The planner's own line: D = C/6N and k = C_inf/2N, for N from a tenth of the smallest fitted model up to where
                // D = N or k = 1 (the planner's search domain); the marker is the planner's optimum, so plot and 't2 plan' agree.
                var budget = new PlanBudget { CTrain = c, CInf = cInf };
                double nLo = r.Range.NMin / 10, nHi = Math.Min(Math.Min(r.Range.NMax * 10, Math.Sqrt(c / 6)), cInf / 2);
                if (!(nHi > nLo)) continue;
                var ns = Enumerable.Range(0, 120).Select(i => Math.Exp(Math.Log(nLo) + (Math.Log(nHi) - Math.Log(nLo)) * i / 119)).ToArray();
                var k1 = ns.Select(n => Planner.Point(metric, budget with { FixedK = 1 }, n).Predicted).ToArray();
                var kc = ns.Select(n => Planner.Point(metric, budget, n).Predicted).ToArray();
                var y1 = approach == "approach1" ? Log10(k1) : k1; var yc = approach == "approach1" ? Log10(kc) : kc;
                var s1 = plt.Add.Scatter(Log10(ns), y1); s1.LegendText = $"C = {Format.Sig(c, 2)} FLOPs, k = 1 (dotted)"; s1.MarkerSize = 0; s1.LinePattern = LinePattern.Dotted;
                var s2 = plt.Add.Scatter(Log10(ns), yc); s2.LegendText = $"C = {Format.Sig(c, 2)} FLOPs, k = C_inf/2N"; s2.MarkerSize = 0; s2.Color = s1.Color;
                if (kOne >= 0)
                {
                    var pts = picked[bi].ToList();
                    var oy = pts.Select(p => approach == "approach1" ? p.NllK[kOne] : p.AccK[kOne]).ToArray();
                    var obs = plt.Add.ScatterPoints(Log10(pts.Select(p => p.N)), approach == "approach1" ? Log10(oy) : oy);
                    obs.Color = s1.Color; obs.MarkerSize = 7; obs.LegendText = $"observed at C ≈ {Format.Sig(c, 2)}, k = 1";
                }
                PlanPoint opt;
                try { opt = Planner.Plan(metric, budget with { NMin = nLo, NMax = nHi }, stage1).Optimum; } catch (ArgumentException) { continue; }
                double yo = approach == "approach1" ? Math.Log10(opt.Predicted) : opt.Predicted;
                var m = plt.Add.Marker(Math.Log10(opt.N), yo); m.Color = s1.Color; m.Size = 10;
            }
            plt.Title($"{r.Task}: {label} isoFLOP, C_inf = {Format.Sig(cInf, 2)}/token (dot = optimum)");
            plt.XLabel("N (parameters, log scale; up to D = N)");
            plt.YLabel(approach == "approach1" ? yLabel + ", log scale" : yLabel);
            LogAxis(plt.Axes.Bottom);
            if (approach == "approach1") LogAxis(plt.Axes.Left);
            plt.ShowLegend(Edge.Right);
            Save(plt, dir, $"{safe}_{approach}_isoflop");
        }
    }
}
