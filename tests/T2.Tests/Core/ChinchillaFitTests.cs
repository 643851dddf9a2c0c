using T2.Core.Fitting;
using T2.Core.Laws;

namespace T2.Tests.Core;

public class ChinchillaFitTests
{
    private static readonly Lazy<ChinchillaFitResult> EpochFit = new(() =>
    {
        var (n, d, l) = RepoData.EpochPoints();
        return ChinchillaFit.Fit(n, d, l);
    });

    [Fact]
    public void Fit_ReproducesEpochReplicateExactly_OnChinchillaFigure4()
    {
        // Epoch's grid search with scipy (data README): A = 477.84, B = 2143.86, E = 1.8172, α = 0.34731, β = 0.36718, f = 0.00101827.
        var r = EpochFit.Value;
        Assert.Equal(240, r.Points);
        Assert.Equal(4500, r.Diagnostics.StartsTried);
        Assert.InRange(r.Law.A, 477.84 * 0.995, 477.84 * 1.005);
        Assert.InRange(r.Law.B, 2143.86 * 0.99, 2143.86 * 1.01);
        Assert.InRange(r.Law.E, 1.8172 - 0.0005, 1.8172 + 0.0005);
        Assert.InRange(r.Law.Alpha, 0.34731 - 0.0005, 0.34731 + 0.0005);
        Assert.InRange(r.Law.Beta, 0.36718 - 0.0005, 0.36718 + 0.0005);
        Assert.True(r.Objective <= 0.0010183, $"objective {r.Objective}");
        Assert.True(r.Converged);
        Assert.True(r.Diagnostics.StartsNearBest >= 10, "the optimum should be reached from many starts");
        Assert.True(r.Diagnostics.GradientNorm < 1e-6);
    }

    [Fact]
    public void HoffmannPublishedParameters_FitTheDataWorse_ThanTheRefit()
    {
        // Epoch's finding: Hoffmann et al.'s published law is far from the optimum of this data.
        var (n, d, l) = RepoData.EpochPoints();
        var f = new ChinchillaObjective(n, d, l, default, LossObjective.HuberLog, 1e-3);
        var hoffmann = ChinchillaFit.FromLaw(new ChinchillaLaw(1.693374, 406.4010, 410.7228, 0.33917084, 0.2849083));
        double fh = f.Evaluate(hoffmann, new double[5]);
        Assert.True(fh > 1.1 * EpochFit.Value.Objective, $"Hoffmann {fh} vs refit {EpochFit.Value.Objective}");
        Assert.True(EpochFit.Value.Law.B > 4 * 410.7228, "the refit's B is several times Hoffmann's");
    }

    [Fact]
    public void Objective_Gradient_MatchesFiniteDifferences()
    {
        var (n, d, l) = RepoData.EpochPoints();
        foreach (var kind in new[] { LossObjective.HuberLog, LossObjective.SquaredError })
        {
            // δ = 0.5 puts most residuals in the smooth quadratic zone so central differences are meaningful.
            var f = new ChinchillaObjective(n, d, l, default, kind, 0.5);
            double[] x = [6.1, 7.4, 0.55, 0.33, 0.35], g = new double[5], scratch = new double[5];
            f.Evaluate(x, g);
            for (int i = 0; i < 5; i++)
            {
                double h = 1e-6;
                var xp = (double[])x.Clone(); xp[i] += h; var xm = (double[])x.Clone(); xm[i] -= h;
                double fd = (f.Evaluate(xp, scratch) - f.Evaluate(xm, scratch)) / (2 * h);
                Assert.True(Math.Abs(fd - g[i]) <= 1e-6 * Math.Max(1, Math.Abs(g[i])), $"{kind} ∂{i}: {g[i]} vs {fd}");
            }
        }
    }

    private static (double[] N, double[] D, double[] L) Simulate(ChinchillaLaw truth, double noise, int seed)
    {
        var rng = new Random(seed);
        var n = new List<double>(); var d = new List<double>(); var l = new List<double>();
        foreach (var N in new[] { 1e7, 4e7, 1.6e8, 6.4e8, 2.5e9, 1e10 })
            foreach (var D in new[] { 1e9, 3e9, 1e10, 3e10, 1e11, 3e11, 1e12, 3e12 })
            {
                n.Add(N); d.Add(D); l.Add(truth.Predict(N, D) * Math.Exp(noise * Gaussian(rng)));
            }
        return (n.ToArray(), d.ToArray(), l.ToArray());
    }

    [Theory]
    [InlineData(LossObjective.HuberLog)]
    [InlineData(LossObjective.SquaredError)]
    public void Fit_RecoversKnownParameters_FromExactData(LossObjective kind)
    {
        // Noise-free: the fitter itself must return the generating law to high precision.
        var truth = new ChinchillaLaw(1.9, 420, 1800, 0.33, 0.30);
        var (n, d, l) = Simulate(truth, 0, 1);
        var r = ChinchillaFit.Fit(n, d, l, new ChinchillaFitOptions { Objective = kind, Starts = InitGrid.Random(300, 1) });
        Assert.Equal(1.9, r.Law.E, 4);
        Assert.Equal(0.33, r.Law.Alpha, 4);
        Assert.Equal(0.30, r.Law.Beta, 4);
        Assert.InRange(r.Law.A / 420, 0.999, 1.001);
        Assert.InRange(r.Law.B / 1800, 0.999, 1.001);
    }

    [Theory]
    [InlineData(LossObjective.HuberLog, 3)]
    [InlineData(LossObjective.SquaredError, 3)]
    [InlineData(LossObjective.HuberLog, 4)]
    [InlineData(LossObjective.SquaredError, 4)]
    public void Fit_RecoversKnownParameters_FromNoisyData(LossObjective kind, int seed)
    {
        // 1 % log-normal noise on 48 points. Over seeds 1–6 the fitted E spread ±0.08, α ±0.04, β ±0.01 and N_opt at
        // 1e22 within 0.88–1.07× truth (sampling error of the estimator, not of the optimiser): the tolerances below
        // are that spread with a little margin, and seed 3 is the worst of the six.
        var truth = new ChinchillaLaw(1.9, 420, 1800, 0.33, 0.30);
        var (n, d, l) = Simulate(truth, 0.01, seed);
        var r = ChinchillaFit.Fit(n, d, l, new ChinchillaFitOptions { Objective = kind, Starts = InitGrid.Random(300, 1) });
        Assert.InRange(r.Law.E, 1.9 - 0.1, 1.9 + 0.1);
        Assert.InRange(r.Law.Alpha, 0.33 - 0.05, 0.33 + 0.05);
        Assert.InRange(r.Law.Beta, 0.30 - 0.02, 0.30 + 0.02);
        Assert.InRange(r.Law.ComputeOptimal(1e22).N / truth.ComputeOptimal(1e22).N, 0.8, 1.25);
    }

    [Fact]
    public void SquaredError_MultiStartAndVariableProjection_ReachTheSameOptimum()
    {
        var (n, d, l) = RepoData.EpochPoints();
        var o = new ChinchillaFitOptions { Objective = LossObjective.SquaredError };
        var ms = MultiStart.RunAndPolish(() => new ChinchillaObjective(n, d, l, default, LossObjective.SquaredError, 0),
            InitGrid.Chinchilla(), o.Solver, o.Polish, o.PolishWindow, true);
        double best = ms[MultiStart.Best(ms)].F;
        var vp = VariableProjection.Fit(n, d, l, null, o.Polish);
        Assert.True(Math.Abs(best - vp.F) <= 1e-8 * best, $"multi-start {best} vs VarPro {vp.F}");
    }

    [Fact]
    public void Nnls3_IsExact_AgainstBruteForceGrid()
    {
        // A tiny problem where the unconstrained solution has a negative coefficient: NNLS must clip it optimally.
        double[] w = [1, 1, 1, 1, 1], x = [1, 0.5, 0.25, 0.125, 0.0625], y = [0.9, 0.8, 0.7, 0.6, 0.5], l = [2.0, 1.5, 1.4, 1.3, 1.35];
        var (rss, e, a, b) = VariableProjection.Nnls3(w, x, y, l);
        double bestGrid = double.PositiveInfinity;
        for (double E = 0; E <= 3; E += 0.01) for (double A = 0; A <= 3; A += 0.01) for (double B = 0; B <= 3; B += 0.01)
        {
            double s = 0; for (int i = 0; i < 5; i++) { double r = E + A * x[i] + B * y[i] - l[i]; s += r * r; }
            bestGrid = Math.Min(bestGrid, s);
        }
        Assert.True(e >= 0 && a >= 0 && b >= 0);
        Assert.True(rss <= bestGrid + 1e-12, $"NNLS {rss} vs grid {bestGrid}");
        Assert.True(rss >= bestGrid - 0.01, "grid within its resolution");
    }

    [Fact]
    public void ComputeOptimal_ClosedForm_MatchesGridSearchAlongIsoFlop()
    {
        var law = EpochFit.Value.Law;
        foreach (var c in new[] { 1e19, 1e21, 1e23, 1e25 })
        {
            var o = law.ComputeOptimal(c);
            double bestN = 0, bestL = double.PositiveInfinity;
            for (double logN = 5; logN <= 14; logN += 1e-4)
            {
                double nn = Math.Pow(10, logN), loss = law.Predict(nn, c / (6 * nn));
                if (loss < bestL) { bestL = loss; bestN = nn; }
            }
            Assert.InRange(o.N / bestN, 0.999, 1.001);
            Assert.Equal(c, 6 * o.N * o.D, c * 1e-12);
        }
    }

    [Fact]
    public void Bootstrap_SmallGridAroundOptimum_ReachesFullGridOptimum_OnEpochResamples()
    {
        // The bootstrap fits resamples from the full-data optimum plus 26 nearby starts instead of 4,500 starts;
        // on a sample of Epoch resamples that must land on the same optimum as the full grid.
        var (n, d, l) = RepoData.EpochPoints();
        var full = EpochFit.Value;
        var rng = new Random(11);
        double meanLogN = n.Average(Math.Log), meanLogD = d.Average(Math.Log);
        for (int s = 0; s < 4; s++)
        {
            var w = new double[n.Length];
            for (int i = 0; i < n.Length; i++) w[rng.Next(n.Length)] += 1;
            var small = ChinchillaFit.Fit(n, d, l, new ChinchillaFitOptions { Weights = w, Starts = InitGrid.Around(full.X, meanLogN, meanLogD) });
            var grid = ChinchillaFit.Fit(n, d, l, new ChinchillaFitOptions { Weights = w });
            Assert.True(small.Objective <= grid.Objective * (1 + 1e-7), $"resample {s}: small {small.Objective} vs grid {grid.Objective}");
            Assert.Equal(grid.Law.Alpha, small.Law.Alpha, 4);
            Assert.Equal(grid.Law.Beta, small.Law.Beta, 4);
        }
    }

    [Fact]
    public void Bootstrap_IsDeterministicForASeed_AndCoversTheEstimate()
    {
        var (n, d, l) = RepoData.EpochPoints();
        var full = EpochFit.Value;
        var o = new BootstrapOptions { Resamples = 60, Seed = 5, Budgets = [1e23] };
        var a = ChinchillaBootstrap.Run(n, d, l, new ChinchillaFitOptions(), full, o);
        var b = ChinchillaBootstrap.Run(n, d, l, new ChinchillaFitOptions(), full, o);
        Assert.Equal(60, a.Succeeded);
        foreach (var key in a.Parameters.Keys)
        {
            Assert.Equal(a.Parameters[key].Lower, b.Parameters[key].Lower);
            Assert.InRange(a.Parameters[key].Estimate, a.Parameters[key].Lower, a.Parameters[key].Upper);
        }
        Assert.True(a.Budgets[0].N.Lower < a.Budgets[0].N.Estimate && a.Budgets[0].N.Estimate < a.Budgets[0].N.Upper);
    }

    [Fact]
    public void Validate_NamesTheOffendingPoint()
    {
        var e = Assert.Throws<ArgumentException>(() => ChinchillaFit.Fit([1e8, 2e8, 3e8, 4e8, -5], [1e9, 1e9, 1e9, 1e9, 1e9], [3, 3, 3, 3, 3]));
        Assert.Contains("point 4", e.Message);
        Assert.Throws<ArgumentException>(() => ChinchillaFit.Fit([1e8, 2e8], [1e9, 1e9], [3, 3]));
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
