using T2.Core.Evidence;
using T2.Core.Fitting;
using T2.Core.Laws;

namespace T2.Tests.Core;

public class Approach1Tests
{
    private static (double[] N, double[] D, double[] K, double[] Y) Simulate(Approach1Law truth, double noise, int seed)
    {
        var rng = new Random(seed);
        var n = new List<double>(); var d = new List<double>(); var k = new List<double>(); var y = new List<double>();
        foreach (var N in new[] { 1e7, 3e7, 1e8, 3e8, 1e9 })
            foreach (var ratio in new[] { 10.0, 20, 80, 300 })
                foreach (var K in TaskCurves.PowersOfTwo(256))
                {
                    double D = ratio * N;
                    n.Add(N); d.Add(D); k.Add(K);
                    y.Add(truth.Predict(N, D, K) * (1 + noise * (2 * rng.NextDouble() - 1)));
                }
        return (n.ToArray(), d.ToArray(), k.ToArray(), y.ToArray());
    }

    [Fact]
    public void Fit_RecoversApproach1Law_FromExactData()
    {
        var truth = new Approach1Law(0.3, 300, 900, 0.35, 0.32, 1.2, 0.4);
        var (n, d, k, y) = Simulate(truth, 0, 1);
        var r = Approach1Fit.Fit(n, d, k, y, new Approach1FitOptions { RandomStarts = 200 });
        Assert.True(r.Objective < 1e-10, $"objective {r.Objective}");
        Assert.Equal(0.4, r.Law.Gamma, 3);
        Assert.Equal(1.2, r.Law.G, 2);
        // E and the N, D terms are identified from the (N, D) design; check predictions over the whole grid instead of
        // each coefficient, because A/N^α and E trade off along a shallow valley.
        for (int i = 0; i < n.Length; i++) Assert.Equal(1.0, r.Law.Predict(n[i], d[i], k[i]) / y[i], 4);
        // And extrapolation one decade beyond the fitted N stays close.
        Assert.Equal(1.0, r.Law.Predict(1e10, 2e11, 64) / truth.Predict(1e10, 2e11, 64), 2);
    }

    [Fact]
    public void Fit_WithNoise_PredictsWithinNoise()
    {
        var truth = new Approach1Law(0.3, 300, 900, 0.35, 0.32, 1.2, 0.4);
        var (n, d, k, y) = Simulate(truth, 0.01, 2);
        var r = Approach1Fit.Fit(n, d, k, y, new Approach1FitOptions { RandomStarts = 200 });
        Assert.InRange(r.Law.Gamma, 0.35, 0.45);
        for (int i = 0; i < n.Length; i++) Assert.InRange(r.Law.Predict(n[i], d[i], k[i]) / truth.Predict(n[i], d[i], k[i]), 0.98, 1.02);
    }

    [Fact]
    public void TaskCurves_FromCounts_AggregateIsFinite_WhenSomeQuestionsNeverSolved()
    {
        long[] n = [100, 100, 100]; long[] c = [0, 10, 50];
        var curve = TaskCurves.FromCounts(n, c, [1, 2, 4]);
        Assert.Equal((0 + 0.1 + 0.5) / 3, curve.AccK[0], 12);
        Assert.Equal(-Math.Log(curve.AccK[0]), curve.NllK[0], 12);
        var jeff = TaskCurves.FromCounts(n, c, [1], CountTarget.JeffreysPerQuestion);
        double expected = (-Math.Log(0.5 / 101) - Math.Log(10.5 / 101) - Math.Log(50.5 / 101)) / 3;
        Assert.Equal(expected, jeff.NllK[0], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskCurves.FromCounts(n, c, [128]));
    }
}
