using System.Globalization;
using System.Text.RegularExpressions;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;

namespace T2.Tests.Cli;

/// <summary>The report's pieces without a browser: k &lt; 1 marking, heatmap labels, convergence flags, budget overruns.</summary>
public class ReportRenderTests
{
    [Fact]
    public void MarkKBelowOne_DrawsExactlyThePointsBelowOneAsMarked_AndCutsTheLineThere()
    {
        double[] x = [1, 10, 100, 1000, 1e4, 1e5];
        double[] y = [50, 8, 2, 0.5, 0.1, 3];
        var below = y.Select(k => k < 1).ToList();
        var chart = new SvgChart { LogX = true, LogY = true };
        chart.Lines.AddRange(SvgChart.MarkKBelowOne(new SvgChart.Series("baseline", x, y, "#555", Dashed: true), below));
        string svg = chart.Render();
        var lines = Regex.Matches(svg, "<polyline( class=\"(?<c>[^\"]*)\")? points=\"(?<p>[^\"]*)\"").Select(m =>
            (Marked: m.Groups["c"].Value == SvgChart.KBelowOneClass, Count: m.Groups["p"].Value.Split(' ').Length)).ToList();
        // Runs: three points above one, two below, one above again (a single point is a dot, not a line).
        Assert.Equal(new[] { (false, 3), (true, 2) }, lines.Select(l => (l.Marked, l.Count)));
        Assert.Single(Regex.Matches(svg, "<circle cx"));
        Assert.Contains("baseline, k &lt; 1", svg);
        Assert.Equal(new[] { (0, 2, false), (3, 4, true), (5, 5, false) }, SvgChart.Runs(below));
        Assert.Throws<ArgumentException>(() => SvgChart.MarkKBelowOne(new SvgChart.Series("b", x, y, "#555"), [true]));
    }

    [Fact]
    public void HeatLabels_KeepIdsWhole_CutLongOnesInTheMiddle_AndNeverMakeTwoReadTheSame()
    {
        var ids = new[] { "c3.0e11-d32l1h2-s1", "x-t2opt-macro-a2-d24l1h3-s1-long-label", "x-t2opt-macro-a2-d24l1h3-s2-long-label",
            "x-replicate-ot150-d32l1h2-somewhat-longer-s2" };
        var labels = HtmlReport.HeatLabels(ids);
        Assert.Equal(ids[0], labels[0]);
        Assert.Equal(ids.Length, labels.Distinct().Count());
        Assert.All(labels.Zip(ids), p => Assert.True(p.First == p.Second || p.First.Length <= HtmlReport.HeatLabelChars, p.First));
        Assert.EndsWith("longer-s2", labels[3]); // the seed at the end survives the cut
        Assert.StartsWith("x-replicate", labels[3]);
    }

    [Fact]
    public void Converged_SaysNoForAStageWhoseFindingsSayItDidNot()
    {
        var stage1 = new FitDocs.FindingDoc("not_converged", "warn", "best start not converged", null, null, "stage1");
        var boot = new FitDocs.FindingDoc("not_converged", "warn", "a replicate did not converge", null, null, "bootstrap");
        var plain = new FitDocs.FindingDoc("no_start_converged", "error", "no start converged", null, null, null);
        Assert.False(HtmlReport.Converged(true, "stage1", [stage1]));
        Assert.True(HtmlReport.Converged(true, "stage2", [stage1]));
        Assert.True(HtmlReport.Converged(true, "stage1", [boot]));
        Assert.False(HtmlReport.Converged(true, "stage2", [plain]));
        Assert.False(HtmlReport.Converged(true, null, [plain]));
        Assert.False(HtmlReport.Converged(false, null, []));
    }

    [Fact]
    public void EndToEnd_ABaselineWhoseKWasRaisedToOne_SaysWhatItSpendsOverTheBudget()
    {
        var a2 = new Approach2Law(new ChinchillaLaw(1.2, 300, 900, 0.35, 0.30), 2.2, 3.0, 0.8, 1.0, 0.3);
        var task = FittedTasks.From("t", null, null, null, null, null, a2, new FitRange(1e7, 1e10, 1e10, 1e13, 1, 1e4, 1, 1e4), [], null, null);
        int over = 0;
        foreach (double q in new[] { 1e6, 1e8, 1e9, 1e10, 3e10, 1e11 })
        {
            var b = new PlanBudget { CTotal = 1e22, Queries = q, TokensPerQuery = 300 };
            ApproachPlan p;
            try { p = TaskPlanner.Plan(task, b, null).Single(); } catch (ArgumentException) { continue; }
            var c = p.Plan.Chinchilla;
            double spent = Budgets.TotalFlops(c.N, c.D, c.K, q * 300), factor = spent / 1e22;
            Assert.Equal(6 * c.N * c.D + q * 300 * 2 * c.N * c.K, spent, spent * 1e-12);
            Assert.Equal(factor, p.ChinchillaTrust.TotalBudgetFactor!.Value, 1e-9);
            Assert.Equal(factor > 1 + 1e-9, p.ChinchillaTrust.OverBudget);
            // The optimum spends its budget exactly; never over it.
            Assert.False(p.Trust.OverBudget);
            if (p.Plan.ChinchillaRawK >= 1) continue;
            over++;
            Assert.True(factor > 1, $"k raised from {p.Plan.ChinchillaRawK} to 1 must cost more than the budget");
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{100 * (factor - 1):0.#} % over the end-to-end budget"), p.ChinchillaTrust.Verdict);
            Assert.Equal("over budget", HtmlReport.BudgetFlag(p.ChinchillaTrust));
        }
        Assert.True(over > 0, "no budget put the baseline's k below 1: the case is not exercised");
    }
}
