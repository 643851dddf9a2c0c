using T2.Core.Fitting;
using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;

namespace T2.Tests.Health;

/// <summary>Every health code: a constructed case that must trigger it and one that must not.</summary>
public class HealthChecksTests
{
    private static MultiStartDiagnostics Diag(int tried = 100, int converged = 100, int failed = 0, bool bestConverged = true,
        StopReason reason = StopReason.Gradient, double grad = 1e-12, double gtol = 1e-8) => new()
    {
        StartsTried = tried, StartsConverged = converged, StartsFailed = failed, StartsNearBest = Math.Min(converged, 10), Converged = bestConverged,
        Reason = reason, GradientNorm = grad, GradientTolerance = gtol, Iterations = 50, Evaluations = 60, BestObjectives = [1], Valley = [],
        ValleyWindow = 0.1,
    };

    private static bool Has(IEnumerable<Finding> f, string code) => f.Any(x => x.Code == code);

    private static readonly HealthChecks.Coordinate[] Box = [new("E", -30, 30, true), new("alpha", 0, 3, false)];

    [Fact]
    public void ParamAtBound_TriggersOnTheBound_NotInside()
    {
        var on = HealthChecks.AtBounds(Box, [-30, 0.5]).ToList();
        Assert.Single(on);
        Assert.Equal("param_at_bound", on[0].Code);
        Assert.Equal("E", on[0].Parameter);
        Assert.Equal(Math.Exp(-30), on[0].Value!.Value, 1e-20); // reported as the natural value, e^-30
        Assert.True(Has(HealthChecks.AtBounds(Box, [0, 3]), "param_at_bound")); // upper bound of α
        Assert.Empty(HealthChecks.AtBounds(Box, [-29.9, 2.99]));
    }

    [Fact]
    public void ParamAtGridEdge_TriggersAtEitherEnd_NotInTheMiddle()
    {
        double[] grid = [0.1, 0.2, 0.3, 0.4];
        Assert.True(Has(HealthChecks.AtGridEdge("E", grid, [4, 3, 2, 1]), "param_at_grid_edge"));
        Assert.True(Has(HealthChecks.AtGridEdge("E", grid, [1, 2, 3, 4]), "param_at_grid_edge"));
        Assert.Empty(HealthChecks.AtGridEdge("E", grid, [3, 1, 2, 4]));
    }

    [Fact]
    public void ECollapsed_TriggersBelowTheStatedFraction()
    {
        Assert.True(Has(HealthChecks.ECollapsed(1e-5, 2.0), "e_collapsed"));
        Assert.Empty(HealthChecks.ECollapsed(0.5, 2.0));
        Assert.Empty(HealthChecks.ECollapsed(HealthChecks.ECollapseFraction * 2.0 * 1.01, 2.0));
    }

    [Fact]
    public void Convergence_Codes_TriggerOnlyWhenTheyShould()
    {
        Assert.Empty(HealthChecks.Convergence(Diag()));
        Assert.True(Has(HealthChecks.Convergence(Diag(bestConverged: false, reason: StopReason.LineSearchFailed)), "not_converged"));
        Assert.True(Has(HealthChecks.Convergence(Diag(converged: 0, bestConverged: false, reason: StopReason.MaxIterations)), "no_start_converged"));
        Assert.Equal(Severity.Error, HealthChecks.Convergence(Diag(converged: 0, bestConverged: false)).First().Severity);
        Assert.True(Has(HealthChecks.Convergence(Diag(grad: 1e-3)), "gradient_above_tolerance"));
        Assert.False(Has(HealthChecks.Convergence(Diag(grad: 1e-9)), "gradient_above_tolerance"));
    }

    [Fact]
    public void FailedStarts_TriggersAbove20Percent()
    {
        Assert.True(Has(HealthChecks.FailedStarts(Diag(tried: 100, converged: 79)), "failed_starts"));
        Assert.Empty(HealthChecks.FailedStarts(Diag(tried: 100, converged: 80)));
    }

    [Fact]
    public void Observations_ErrorAtOrBelowTheParameterCount_WarnBelowThreePerParameter()
    {
        var five = HealthChecks.Observations(5, 5).Single();
        Assert.Equal(("too_few_observations", Severity.Error), (five.Code, five.Severity));
        Assert.True(Has(HealthChecks.Observations(14, 5), "few_observations"));
        Assert.Empty(HealthChecks.Observations(15, 5));
    }

    [Fact]
    public void DistinctSizes_TriggersBelowThreeNOrD()
    {
        var f = HealthChecks.DistinctSizes([1e6, 1e6, 2e6, 2e6], [1e9, 2e9, 3e9, 4e9]).ToList();
        Assert.True(Has(f, "few_distinct_n"));
        Assert.False(Has(f, "few_distinct_d"));
        Assert.True(Has(HealthChecks.DistinctSizes([1, 2, 3], [5, 5, 6]), "few_distinct_d"));
        Assert.Empty(HealthChecks.DistinctSizes([1, 2, 3], [4, 5, 6]));
    }

    [Fact]
    public void SingleBudget_TriggersOnAnIsoFlopSlice_NotOnAGrid()
    {
        double c = 1e18;
        var n = new[] { 1e6, 3e6, 1e7, 3e7, 1e8 };
        Assert.True(Has(HealthChecks.SingleBudget(n, n.Select(x => c / (6 * x)).ToArray()), "single_budget"));
        Assert.Empty(HealthChecks.SingleBudget(n, n.Select(x => 20 * x).ToArray()));
    }

    [Fact]
    public void FlatValley_TriggersWhenIndistinguishableOptimaDisagree()
    {
        Assert.True(Has(HealthChecks.FlatValley([3.0, 3.2, 3.6], "here"), "flat_valley"));
        Assert.Empty(HealthChecks.FlatValley([3.0, 3.01, 3.02], "here"));
        Assert.Empty(HealthChecks.FlatValley([3.0], "here"));
    }

    [Fact]
    public void SizeResiduals_TriggersWhenTheLargestNIsConsistentlyMissed()
    {
        // Given small sizes fitted with ±1 % scatter and the largest size over-predicted by 5 % at every point
        var n = new List<double>(); var pred = new List<double>(); var obs = new List<double>();
        for (int i = 0; i < 12; i++) { n.Add(1e6 * (1 + i % 3)); obs.Add(3); pred.Add(3 * (1 + (i % 2 == 0 ? 0.01 : -0.01))); }
        for (int i = 0; i < 4; i++) { n.Add(1e8); obs.Add(2); pred.Add(2 * 1.05); }
        var f = HealthChecks.SizeResiduals(n, pred, obs, "loss").Single();
        Assert.Equal("size_residuals", f.Code);
        Assert.True(f.Value > 0, "over-predicted: positive signed mean");
        // When the largest size scatters like the rest, nothing is reported
        for (int i = 12; i < 16; i++) pred[i] = 2 * (1 + (i % 2 == 0 ? 0.01 : -0.01));
        Assert.Empty(HealthChecks.SizeResiduals(n, pred, obs, "loss"));
    }

    [Fact]
    public void Bootstrap_PiledOnABound_AndFailures()
    {
        var onBound = new Finding("param_at_bound", Severity.Warn, "m") { Parameter = "E" };
        var reps = Enumerable.Range(0, 10).Select(i => (IReadOnlyList<Finding>)(i < 4 ? [onBound] : [])).ToList();
        var f = HealthChecks.BootstrapReplicates(reps, 10, "bootstrap").ToList();
        Assert.True(Has(f, "bootstrap_on_bound"), "4 of 10 > 25 %");
        Assert.False(Has(f, "bootstrap_failures"));
        var few = Enumerable.Range(0, 10).Select(i => (IReadOnlyList<Finding>)(i < 2 ? [onBound] : [])).ToList();
        Assert.False(Has(HealthChecks.BootstrapReplicates(few, 10, "bootstrap"), "bootstrap_on_bound"), "2 of 10 ≤ 25 %");
        Assert.True(Has(HealthChecks.BootstrapReplicates(few.Take(8).ToList(), 10, "bootstrap"), "bootstrap_failures"), "2 of 10 failed");
        Assert.True(Has(HealthChecks.BootstrapECollapsed([1e-9, 1e-9, 1.8, 1.8], 2.0), "bootstrap_on_bound"));
        Assert.Empty(HealthChecks.BootstrapECollapsed([1.7, 1.8, 1.9, 1e-9], 2.0));
    }

    [Fact]
    public void BetaGap_TriggersAboveTheThreshold()
    {
        Assert.True(Has(HealthChecks.BetaCheck(0.08, "ck", 64), "beta_gap"));
        Assert.Empty(HealthChecks.BetaCheck(0.02, "ck", 64));
    }

    // End to end through the fits: a healthy synthetic loss law reports nothing worse than info; a law whose data have no floor
    // collapses E and says so; an isoFLOP slice says it is one.
    private static (double[] N, double[] D, double[] L) Grid(ChinchillaLaw law, double noise, int seed)
    {
        var rng = new Random(seed);
        var n = new List<double>(); var d = new List<double>(); var l = new List<double>();
        foreach (var nn in new[] { 1e7, 3e7, 1e8, 3e8, 1e9 })
            foreach (var r in new[] { 5.0, 20, 80, 320 })
            {
                n.Add(nn); d.Add(nn * r); l.Add(law.Predict(nn, nn * r) * (1 + noise * (2 * rng.NextDouble() - 1)));
            }
        return (n.ToArray(), d.ToArray(), l.ToArray());
    }

    [Fact]
    public void ChinchillaFit_HealthyOnAGoodLadder_ECollapsedWithoutAFloor()
    {
        var (n, d, l) = Grid(new ChinchillaLaw(1.7, 400, 2000, 0.34, 0.37), 0.002, 1);
        var good = ChinchillaFit.Fit(n, d, l, new ChinchillaFitOptions { Starts = InitGrid.Random(300, 1) });
        Assert.DoesNotContain(good.Health, f => f.Severity >= Severity.Warn);
        var (n2, d2, l2) = Grid(new ChinchillaLaw(0, 400, 2000, 0.34, 0.37), 0.0, 2);
        var bad = ChinchillaFit.Fit(n2, d2, l2, new ChinchillaFitOptions { Starts = InitGrid.Random(300, 1) });
        Assert.Contains(bad.Health, f => f.Code == "e_collapsed");
    }

    [Fact]
    public void ChinchillaFit_OnOneIsoFlopSlice_ReportsSingleBudgetAndFewObservations()
    {
        var law = new ChinchillaLaw(1.7, 400, 2000, 0.34, 0.37);
        var n = new[] { 1e7, 2e7, 4e7, 8e7, 1.6e8, 3.2e8, 6.4e8, 1.28e9 };
        var d = n.Select(x => 1e20 / (6 * x)).ToArray();
        var fit = ChinchillaFit.Fit(n, d, n.Select((x, i) => law.Predict(x, d[i])).ToArray(), new ChinchillaFitOptions { Starts = InitGrid.Random(200, 3) });
        Assert.Contains(fit.Health, f => f.Code == "single_budget");
        Assert.Contains(fit.Health, f => f.Code == "few_observations");
    }
}
