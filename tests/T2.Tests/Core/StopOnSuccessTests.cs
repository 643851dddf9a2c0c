using MathNet.Numerics.Distributions;
using T2.Core.Laws;
using T2.Core.Planning;
using T2.Core.Special;
using T2.Testbed.Inference;
using T2.Tests.Testbed;

namespace T2.Tests.Core;

public class StopOnSuccessTests
{
    private static double DirectSum(double a, double b, int k)
    {
        double s = 0;
        for (int j = 0; j < k; j++) s += Math.Exp(BetaFunctions.LogBetaRatio(a, b, j));
        return s;
    }

    [Theory]
    [InlineData(2.5, 1.5, 1)]
    [InlineData(2.5, 1.5, 7)]
    [InlineData(2.5, 1.5, 1000)]
    [InlineData(1.2, 30, 50)]
    [InlineData(0.4, 6, 10)]
    [InlineData(0.4, 6, 5000)]
    [InlineData(1.0, 3, 3000)]
    [InlineData(0.05, 0.5, 20000)]
    public void ExpectedSamples_EqualsTheSumOfBetaRatios(double a, double b, int k)
    {
        double want = DirectSum(a, b, k), got = StopOnSuccess.ExpectedSamples(a, b, k);
        // a > 1 is the exact closed form; a ≤ 1 sums 256 terms and integrates the tail (error O(1/J²) relative).
        Assert.True(Math.Abs(got - want) <= (a > 1 ? 1e-10 : 2e-4) * want, $"{got} vs {want}");
        Assert.True(got <= k + 1e-9 && got >= 1 - 1e-12);                        // between one sample and the cap
    }

    [Fact]
    public void ExpectedSamples_MatchesSimulatedStopAtSuccess_UnderBeta()
    {
        var rng = new Random(5);
        var beta = new Beta(0.7, 2.5, rng);
        int k = 64, n = 200_000; double sum = 0, sumSq = 0; int solved = 0;
        for (int i = 0; i < n; i++)
        {
            double p = beta.Sample(); int s = 0; bool ok = false;
            while (s < k && !ok) { s++; ok = rng.NextDouble() < p; }
            sum += s; sumSq += (double)s * s; if (ok) solved++;
        }
        double mean = sum / n, se = Math.Sqrt((sumSq / n - mean * mean) / n);
        Assert.InRange(StopOnSuccess.ExpectedSamples(0.7, 2.5, k), mean - 4 * se, mean + 4 * se);
        // The cap does not change accuracy: pass@k is what the Beta model says.
        double pass = BetaFunctions.ExpectedPassAtK(0.7, 2.5, k), pse = Math.Sqrt(pass * (1 - pass) / n);
        Assert.InRange((double)solved / n, pass - 4 * pse, pass + 4 * pse);
    }

    [Fact]
    public void Cap_InvertsExpectedSamples_AndNeverLowersAccuracy()
    {
        var law = new Approach2Law(new ChinchillaLaw(1.5, 400, 400, 0.34, 0.28), 3.0, 4.0, 0.9, 1.0, -0.3);
        foreach (double m in new[] { 1.5, 4, 30, 300 })
        {
            double loss = 2.6;
            double cap = StopOnSuccess.Cap(law, loss, m);
            Assert.True(cap >= m - 1e-9, $"cap {cap} below expected samples {m}");
            if (cap < StopOnSuccess.MaxCap) Assert.Equal(m, StopOnSuccess.ExpectedSamples(law, loss, cap), 6);
            Assert.True(law.AccuracyAtLoss(loss, cap) >= law.AccuracyAtLoss(loss, m) - 1e-12);
        }
    }

    [Fact]
    public void Plan_StopOnSuccess_MatchesBruteForceOverN()
    {
        var law = new Approach2Law(new ChinchillaLaw(1.7, 406.4, 410.7, 0.34, 0.28), 3.0, 3.5, 0.95, 1.5, -0.2);
        var metric = StopOnSuccess.Metric(law);
        var budget = new PlanBudget { CTrain = 1e21, CInf = 1e11 };
        var plan = Planner.Plan(metric, budget, law.Loss);
        double best = double.NegativeInfinity, bestN = 0;
        for (int i = 0; i <= 20_000; i++)
        {
            double n = Math.Pow(10, 6 + 7.0 * i / 20_000), d = budget.CTrain / (6 * n), m = budget.CInf / (2 * n);
            double v = metric.Evaluate(n, d, m);
            if (v > best) { best = v; bestN = n; }
        }
        Assert.Equal(best, plan.Optimum.Predicted, 4);
        Assert.InRange(plan.Optimum.N / bestN, 0.9, 1.1);
        // With a verifier the same budget buys at least the accuracy of k fixed samples.
        var uniform = Planner.Plan(FittedTasks.A2Metric(law), budget, law.Loss);
        Assert.True(plan.Optimum.Predicted >= uniform.Optimum.Predicted - 1e-12);
    }
}

/// <summary>Stop-at-success sampling simulated on a trained testbed model's own per-question p (from the gold-answer
/// likelihood), against the per-question formula (1 − (1 − p)^k)/p.</summary>
public class StopOnSuccessEvidenceTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void SimulatedSampling_OnTestbedEvidence_MatchesTheFormula()
    {
        var ps = Evaluator.Likelihood(tiny.Model, tiny.World.Tokenizer, tiny.World.Questions()).Select(r => Math.Exp(-r.Nll)).ToArray();
        var rng = new Random(11);
        foreach (int k in new[] { 4, 64 })
        {
            double formula = ps.Average(p => p <= 0 ? k : -double.ExpM1(k * double.LogP1(-p)) / p);
            int reps = 200; double sum = 0, sumSq = 0; int draws = reps * ps.Length;
            for (int r = 0; r < reps; r++)
                foreach (var p in ps)
                {
                    int s = 0; bool ok = false;
                    while (s < k && !ok) { s++; ok = rng.NextDouble() < p; }
                    sum += s; sumSq += (double)s * s;
                }
            double mean = sum / draws, se = Math.Sqrt((sumSq / draws - mean * mean) / draws);
            Assert.InRange(formula, mean - 4 * se, mean + 4 * se);
            Assert.True(formula < k, $"k = {k}: {formula}");
        }
    }
}
