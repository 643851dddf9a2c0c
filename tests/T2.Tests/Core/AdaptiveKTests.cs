using MathNet.Numerics.Distributions;
using T2.Core.Laws;
using T2.Core.Planning;
using T2.Core.Special;
using T2.Testbed.Inference;
using T2.Tests.Testbed;

namespace T2.Tests.Core;

public class AdaptiveKTests
{
    [Fact]
    public void Greedy_EqualsTheBruteForceBestAllocation_OnSmallProblems()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 30; trial++)
        {
            var p = Enumerable.Range(0, 4).Select(_ => rng.NextDouble() * rng.NextDouble()).ToArray();
            int total = 2 + trial % 9;
            double best = 0;
            for (int a = 0; a <= total; a++) for (int b = 0; a + b <= total; b++) for (int c = 0; a + b + c <= total; c++)
            {
                int d = total - a - b - c; int[] k = [a, b, c, d];
                best = Math.Max(best, Enumerable.Range(0, 4).Average(i => 1 - Math.Pow(1 - p[i], k[i])));
            }
            var (alloc, pass) = AdaptiveK.Allocate(p, total / 4.0);
            Assert.Equal(total, alloc.Sum(), 9);
            Assert.Equal(best, pass, 9);
        }
    }

    [Fact]
    public void Adaptive_NeverLosesToUniformK_AndTheBetaQuadratureMatchesASampledPopulation()
    {
        var rng = new Random(8);
        foreach (var (a, b) in new[] { (0.3, 3.0), (1.5, 1.5), (0.8, 12.0) })
        {
            var beta = new Beta(a, b, rng);
            var p = Enumerable.Range(0, 20_000).Select(_ => beta.Sample()).ToArray();
            foreach (int m in new[] { 1, 4, 32 })
            {
                double uni = p.Average(x => 1 - Math.Pow(1 - x, m));
                var (_, pass) = AdaptiveK.Allocate(p, m);
                Assert.True(pass >= uni - 1e-12, $"Beta({a},{b}) m={m}: {pass} < {uni}");
                Assert.Equal(pass, AdaptiveK.ExpectedPassRate(a, b, m), 2);
                Assert.True(AdaptiveK.ExpectedPassRate(a, b, m) >= BetaFunctions.ExpectedPassAtK(a, b, m) - 2e-3);
            }
        }
    }

    [Fact]
    public void Plan_AdaptiveK_IsNeverBelowTheFixedKPlan_AndMatchesBruteForce()
    {
        var law = new Approach2Law(new ChinchillaLaw(1.7, 406.4, 410.7, 0.34, 0.28), 3.0, 3.5, 0.95, 0.0, -0.2);
        var metric = AdaptiveK.Metric(law);
        var budget = new PlanBudget { CTrain = 1e21, CInf = 1e11 };
        var plan = Planner.Plan(metric, budget, law.Loss);
        var uniform = Planner.Plan(FittedTasks.A2Metric(law), budget, law.Loss);
        Assert.True(plan.Optimum.Predicted >= uniform.Optimum.Predicted - 1e-9);
        double best = double.NegativeInfinity;
        for (int i = 0; i <= 2_000; i++)
        {
            double n = Math.Pow(10, 6 + 7.0 * i / 2_000);
            best = Math.Max(best, metric.Evaluate(n, budget.CTrain / (6 * n), budget.CInf / (2 * n)));
        }
        Assert.Equal(best, plan.Optimum.Predicted, 3);
    }
}

/// <summary>On a trained testbed model's own per-question p: the mean samples difficulty-aware k needs for the accuracy
/// of 16 samples each.</summary>
public class AdaptiveKEvidenceTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void OnTestbedEvidence_AdaptiveKReachesUniformAccuracy_WithFewerSamples()
    {
        var p = Evaluator.Likelihood(tiny.Model, tiny.World.Tokenizer, tiny.World.Questions()).Select(r => Math.Exp(-r.Nll)).ToArray();
        double target = p.Average(x => 1 - Math.Pow(1 - x, 16));
        double lo = 0.01, hi = 16;
        for (int i = 0; i < 60; i++) { double mid = 0.5 * (lo + hi); if (AdaptiveK.Allocate(p, mid).PassRate >= target) hi = mid; else lo = mid; }
        Assert.True(hi < 16, $"adaptive k needs {hi} samples for the accuracy of 16");
        Assert.True(AdaptiveK.Allocate(p, hi).PassRate >= target - 1e-9);
    }
}

/// <summary>The planner's fast quadrature against the direct form it replaced (every grid point, a log per sample count).</summary>
public class AdaptiveKQuadratureTests
{
    // The direct form: B(a, b) normalisation, SamplesAt with its own logs, 60-step bisection on ln λ.
    private static double Direct(double a, double b, double m)
    {
        const int n = 1200; const double t0 = -40, t1 = 40, h = (t1 - t0) / n;
        var ps = new double[n + 1]; var w = new double[n + 1];
        double logB = MathNet.Numerics.SpecialFunctions.BetaLn(a, b), norm = 0;
        for (int i = 0; i <= n; i++)
        {
            double t = t0 + i * h, p = 1 / (1 + Math.Exp(-t));
            double lw = a * -Precise.Log1p(Math.Exp(-t)) + b * -Precise.Log1p(Math.Exp(t)) - logB;
            ps[i] = p; w[i] = Math.Exp(lw) * (i == 0 || i == n ? 0.5 : 1) * h; norm += w[i];
        }
        for (int i = 0; i <= n; i++) w[i] /= norm;
        double Mean(double lam) { double s = 0; for (int i = 0; i <= n; i++) s += w[i] * AdaptiveK.SamplesAt(ps[i], lam); return s; }
        double lo = -745, hi = 0;
        for (int i = 0; i < 60; i++) { double mid = 0.5 * (lo + hi); if (Mean(Math.Exp(mid)) > m) lo = mid; else hi = mid; }
        double lamHi = Math.Exp(hi), lamLo = Math.Exp(lo), kHi = Mean(lamHi), kLo = Mean(lamLo);
        double Pass(double lam) { double s = 0; for (int i = 0; i <= n; i++) s += w[i] * -double.ExpM1(AdaptiveK.SamplesAt(ps[i], lam) * double.LogP1(-Math.Min(ps[i], 1 - 1e-16))); return s; }
        double pHi = Pass(lamHi), pLo = Pass(lamLo);
        return kLo > kHi ? pHi + (pLo - pHi) * Math.Clamp((m - kHi) / (kLo - kHi), 0, 1) : pHi;
    }

    [Fact]
    public void FastQuadrature_EqualsTheDirectForm_FromEasyToHopelessAndFromOneSampleToThousands()
    {
        var rng = new Random(21);
        for (int trial = 0; trial < 60; trial++)
        {
            double a = Math.Pow(10, -2 + 3.5 * rng.NextDouble()), b = Math.Pow(10, -2 + 4 * rng.NextDouble());
            double m = Math.Pow(10, 3.5 * rng.NextDouble());
            double direct = Direct(a, b, m), fast = AdaptiveK.ExpectedPassRate(a, b, m);
            Assert.True(Math.Abs(direct - fast) <= 1e-9 * Math.Max(direct, 1e-6), $"Beta({a:G4}, {b:G4}), m = {m:G4}: direct {direct:R}, fast {fast:R}");
        }
    }
}
