using T2.Core.Fitting;
using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;
using T2.Core.Planning;

namespace T2.Tests.Health;

/// <summary>
/// Issue 21, item 5: findings calibrated against the forecast at hand. Written before the calibration, these are the cases
/// that must still warn (a plan > 10× beyond the fitted N or D; a bound whose release moves the forecast by > 5 %; failed
/// starts above 20 %; a valley spread above 5 % at the plan; a Beta gap above 0.05) and the ones that must not (a bound
/// whose release leaves the forecast where it was; a physical limit).
/// </summary>
public class CalibrationTests
{
    private static readonly FitRange Range = new(1e6, 1e8, 1e8, 1e10, 10, 1000, 1, 100);
    private static readonly PlanMetric Flat = new("nll_k", (_, _, _) => 1.0, false);

    [Theory]
    [InlineData(1.1e9, 1e9)]   // N 11× beyond the largest fitted N
    [InlineData(1e7, 1.1e11)]  // D 11× beyond
    public void MustWarn_APlanMoreThanTenTimesBeyondTheFittedNOrD(double n, double d)
    {
        var t = PlanTrustAssessor.Assess(n, d, 1, 1, Range, []);
        Assert.Equal(Severity.Warn, t.Severity);
        Assert.Contains("extrapolates", t.Verdict);
    }

    [Fact]
    public void MustWarn_ValleySpreadAboveFivePercentAtThePlan_NotAtOrBelow()
    {
        Assert.Equal(Severity.Warn, PlanTrustAssessor.Assess(1e7, 1e9, 1, 1, Range, [], valleySpread: 0.051).Severity);
        Assert.Equal(Severity.Info, PlanTrustAssessor.Assess(1e7, 1e9, 1, 1, Range, [], valleySpread: 0.049).Severity);
    }

    [Fact]
    public void MustWarn_FailedStartsAboveTwentyPercent_AndTheBetaGapAboveFiveHundredths()
    {
        MultiStartDiagnostics Diag(int converged) => MultiStartDiagnostics.Failed(100, 0, 1e-8) with { StartsConverged = converged };
        Assert.Equal(Severity.Warn, Assert.Single(HealthChecks.FailedStarts(Diag(79))).Severity);
        Assert.Empty(HealthChecks.FailedStarts(Diag(80)));
        Assert.Equal(Severity.Warn, Assert.Single(HealthChecks.BetaCheck(0.051, "c", 8)).Severity);
        Assert.Empty(HealthChecks.BetaCheck(0.049, "c", 8));
        // And a plan built on such a fit says so.
        var failed = HealthChecks.FailedStarts(Diag(50)).ToList();
        var t = PlanTrustAssessor.Assess(1e7, 1e9, 1, 1, Range, failed);
        Assert.Equal(Severity.Warn, t.Severity);
        Assert.Contains("50 % of starts failed", t.Verdict);
    }

    [Fact]
    public void ECollapsed_ThatDecidesTheForecast_StillWarns()
    {
        // A loss law whose data do have a floor (E = 1.7) but are fitted with E pushed to 0 by construction: holding E at
        // the threshold or above moves the far forecast a lot, so the finding must stay a warning.
        var f = new Finding("e_collapsed", Severity.Warn, "E collapsed") { Parameter = "E" };
        var graded = Assert.Single(ForecastSensitivity.GradeCodes([f], ["e_collapsed"], [1.0], v => v[0], 0.5, "here", ForecastSensitivity.CollapseHow));
        Assert.Equal(Severity.Warn, graded.Severity);
        Assert.Equal(Severity.Info, Assert.Single(ForecastSensitivity.GradeCodes([f], ["e_collapsed"], [0.51], v => v[0], 0.5, "here", ForecastSensitivity.CollapseHow)).Severity);
    }

    [Fact]
    public void AStopBeforeConvergence_WarnsOnlyIfRunningOnMovesTheForecast()
    {
        var stop = new Finding("gradient_above_tolerance", Severity.Warn, "stopped early");
        var other = new Finding("few_observations", Severity.Warn, "few");
        var moved = ForecastSensitivity.GradeCodes([stop, other], ForecastSensitivity.StopCodes, [2.0], v => v[0], 1.0, "here", ForecastSensitivity.RunOnHow);
        Assert.Equal(Severity.Warn, moved.Single(f => f.Code == "gradient_above_tolerance").Severity);
        Assert.Equal(Severity.Warn, moved.Single(f => f.Code == "few_observations").Severity); // not a stop: untouched
        var still = ForecastSensitivity.GradeCodes([stop], ForecastSensitivity.StopCodes, [1.01], v => v[0], 1.0, "here", ForecastSensitivity.RunOnHow);
        Assert.Equal(Severity.Info, Assert.Single(still).Severity);
        Assert.Contains("does not decide", still[0].Message);
        // The run-on itself: a bowl stopped at x = 3 (no box) runs on to 5.
        var ranOn = ForecastSensitivity.RunOn([stop], () => new Bowl(), [3.0], null, null, new LbfgsOptions());
        Assert.Equal(5.0, ranOn![0], 6);
        Assert.Null(ForecastSensitivity.RunOn([other], () => new Bowl(), [3.0], null, null, new LbfgsOptions()));
    }

    [Fact]
    public void TheBetaGap_WarnsApproach2sPlans_NotApproach1s()
    {
        var gap = HealthChecks.BetaCheck(0.2, "c", 64).ToList();
        var a1 = new Approach1Law(1, 400, 900, 0.3, 0.35, 2, 0.4);
        var a2 = new Approach2Law(new ChinchillaLaw(1, 400, 900, 0.3, 0.35), 2, 3, 0.9, 0, 0);
        var task = FittedTasks.From("t", a1, Range, [], null, null, a2, Range, [], null, null, gap);
        Assert.DoesNotContain(task.Approaches.Single(a => a.Approach == "1").Health, f => f.Code == "beta_gap");
        Assert.Contains(task.Approaches.Single(a => a.Approach == "2").Health, f => f.Code == "beta_gap");
        var plan2 = TaskPlanner.PredictTrust(task.Approaches.Single(a => a.Approach == "2"), 1e7, 1e9, 4);
        Assert.Equal(Severity.Warn, plan2.Severity);
        Assert.Contains("Beta assumption off", plan2.Verdict);
    }

    [Fact]
    public void SizeResiduals_WarnOnlyAboveFivePercent()
    {
        double[] n = [1, 1, 2, 2, 3, 3, 3];
        double[] obs = [1, 1, 1, 1, 1, 1, 1];
        Assert.Equal(Severity.Warn, Assert.Single(HealthChecks.SizeResiduals(n, [1, 1, 1, 1, 1.06, 1.07, 1.08], obs, "loss")).Severity);
        Assert.Equal(Severity.Info, Assert.Single(HealthChecks.SizeResiduals(n, [1, 1, 1, 1, 1.01, 1.02, 1.03], obs, "loss")).Severity);
    }

    /// <summary>f(x) = (x − 5)² in the box [0, 3]: the optimum sits on the upper bound at 3, released it moves to 5.</summary>
    private sealed class Bowl : Objective
    {
        public override int Dimension => 1;
        public override double Evaluate(ReadOnlySpan<double> x, Span<double> g) { g[0] = 2 * (x[0] - 5); return (x[0] - 5) * (x[0] - 5); }
    }

    private static readonly HealthChecks.Coordinate[] Box = [new("theta", 0, 3, false)];

    [Fact]
    public void ABoundWhoseReleaseMovesTheForecast_Warns_AndOneThatDoesNot_IsInformation()
    {
        double[] x = [3.0];
        var bound = HealthChecks.AtBounds(Box, x).ToList();
        Assert.Equal("param_at_bound", Assert.Single(bound).Code);
        var released = ForecastSensitivity.Release(() => new Bowl(), x, Box, [0.0], [3.0], new LbfgsOptions());
        Assert.Equal(5.0, Assert.Single(released).X[0], 6); // the box's width (3) is room enough for the data's optimum
        // A forecast that follows θ: 3 → 5 is a 67 % move.
        var moving = Assert.Single(ForecastSensitivity.Grade(bound, Box, released, v => v[0], 3.0, "here"));
        Assert.Equal(Severity.Warn, moving.Severity);
        Assert.Contains("above 5 %", moving.Message);
        // A forecast that hardly depends on θ (1 + θ·1e-3: 1.003 → 1.005, 0.2 %) is not decided by the bound.
        var still = Assert.Single(ForecastSensitivity.Grade(bound, Box, released, v => 1 + 1e-3 * v[0], 1.003, "here"));
        Assert.Equal(Severity.Info, still.Severity);
        Assert.Contains("within 5 %", still.Message);
    }

    [Fact]
    public void APhysicalLimitIsNotReleased_AndIsInformation()
    {
        HealthChecks.Coordinate[] ceiling = [new("theta2", 1e-6, 1, false) { PhysicalLower = 0, PhysicalUpper = 1 }];
        double[] x = [1.0];
        Assert.Empty(ForecastSensitivity.Release(() => new Bowl(), x, ceiling, [1e-6], [1.0], new LbfgsOptions()));
        var f = Assert.Single(ForecastSensitivity.Grade(HealthChecks.AtBounds(ceiling, x), ceiling, [], v => v[0], 1, "here"));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Contains("physical limit", f.Message);
    }

    [Fact]
    public void Approach1_EOnItsLowerBound_ForAnNllThatGoesToZero_IsInformation()
    {
        // NLL_k = 0 + A/N^α + B/D^β + G/k^γ: the floor is truly 0, so log E runs to its lower bound (−30). Releasing it
        // (to −60) changes the forecast by e^−30: the finding is information, not a warning (issue 21's example).
        var truth = new Approach1Law(0, 400, 900, 0.3, 0.35, 2, 0.4);
        var (n, d, k, y) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        foreach (var nn in new[] { 1e6, 3e6, 1e7, 3e7, 1e8 })
            foreach (var dd in new[] { 1e8, 1e9, 1e10 })
                foreach (var kk in new[] { 1.0, 4, 16, 64 })
                { n.Add(nn); d.Add(dd); k.Add(kk); y.Add(truth.Predict(nn, dd, kk)); }
        var fit = Approach1Fit.Fit([.. n], [.. d], [.. k], [.. y], new Approach1FitOptions { RandomStarts = 64 });
        // Depending on how far the optimiser runs, E ends on its bound (param_at_bound) or just above it (e_collapsed).
        var e = Assert.Single(fit.Health, f => f.Code is "param_at_bound" or "e_collapsed" && f.Parameter == "E");
        Assert.Equal(Severity.Info, e.Severity);
        Assert.Contains("within 5 %", e.Message);
        // An exact fit's systematic 1e−10 residual at the largest N is information too.
        Assert.DoesNotContain(fit.Health, f => f.Code == "size_residuals" && f.Severity >= Severity.Warn);
        // And a plan at that fit's reference point does not warn about E either.
        var approach = new FittedApproach
        {
            Approach = "1", Metric = FittedTasks.A1Metric(fit.Law), Stage1 = fit.Law.AtKOne(), Range = fit.Range, Health = fit.Health,
            Released = fit.Released.Select(r => new ReleasedMetric(r.Parameter, FittedTasks.A1Metric(Approach1Fit.ToLaw(r.X)))).ToList(),
        };
        var trust = TaskPlanner.PredictTrust(approach, 3e7, 3e9, 16);
        Assert.DoesNotContain("E at its bound", trust.Verdict);
        Assert.DoesNotContain("E collapsed", trust.Verdict);
        Assert.True(trust.Released is { } rs && rs.Shift < ForecastSensitivity.ForecastShift);
    }

    [Fact]
    public void APlanWhereTheReleasedFitMovesTheForecast_Warns_EvenIfTheFitGradedItInformation()
    {
        var info = new Finding("param_at_bound", Severity.Info, "theta2 on its bound") { Parameter = "theta2" };
        var shifted = new PlanMetric("nll_k", (_, _, _) => 1.08, false);
        var a = new FittedApproach
        {
            Approach = "1", Metric = Flat, Stage1 = new ChinchillaLaw(1, 1, 1, 0.3, 0.3), Range = Range, Health = [info],
            Released = [new ReleasedMetric("theta2", shifted)],
        };
        var t = TaskPlanner.PredictTrust(a, 1e7, 1e9, 1);
        Assert.Equal(Severity.Warn, t.Severity);
        Assert.Contains("releasing theta2's bound moves this forecast by 8 %", t.Verdict);
        // The same bound, released to a forecast within 5 %, and a fit-level warning: the plan is judged at its own point.
        var warn = info with { Severity = Severity.Warn };
        var b = a with { Health = [warn], Released = [new ReleasedMetric("theta2", new PlanMetric("nll_k", (_, _, _) => 1.01, false))] };
        var u = TaskPlanner.PredictTrust(b, 1e7, 1e9, 1);
        Assert.Equal(Severity.Info, u.Severity);
        // Without release data (an older fit file), the fit's own grading stands.
        Assert.Equal(Severity.Warn, TaskPlanner.PredictTrust(b with { Released = null }, 1e7, 1e9, 1).Severity);
    }
}
