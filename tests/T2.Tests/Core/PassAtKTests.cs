using System.Numerics;
using T2.Core.PassK;
using T2.Core.Special;

namespace T2.Tests.Core;

public class PassAtKTests
{
    // Exact 1 − C(n−c,k)/C(n,k) with big integers: the brute-force reference.
    private static double ExactUnbiased(int n, int c, int k)
    {
        if (n - c < k) return 1;
        BigInteger Binom(int a, int b) { BigInteger r = 1; for (int i = 0; i < b; i++) r = r * (a - i) / (i + 1); return r; }
        var num = Binom(n - c, k); var den = Binom(n, k);
        // 1 − num/den = (den − num)/den, exactly, then to double.
        return Math.Exp(BigInteger.Log(den - num) - BigInteger.Log(den));
    }

    [Fact]
    public void Unbiased_MatchesExactBinomialRatio_ForAllSmallCases()
    {
        for (int n = 1; n <= 40; n++)
            for (int c = 0; c <= n; c++)
                for (int k = 1; k <= n; k++)
                {
                    double exact = c == 0 ? 0 : ExactUnbiased(n, c, k);
                    double got = PassAtK.Unbiased(n, c, k);
                    Assert.True(Math.Abs(got - exact) <= 1e-13 * Math.Max(exact, 1e-300) + 1e-300, $"n={n} c={c} k={k}: {got} vs {exact}");
                }
    }

    [Theory]
    [InlineData(10_000_000L, 1L, 1_000_000d)]
    [InlineData(10_000_000L, 1L, 1d)]
    [InlineData(10_000_000L, 2L, 999_999d)]
    [InlineData(10_000_000L, 2L, 3d)]
    public void Unbiased_IsExact_ForHugeN_AgainstClosedForms(long n, long c, double k)
    {
        // c = 1: C(n−1,k)/C(n,k) = (n−k)/n → pass = k/n. c = 2: pass = 1 − (n−k)(n−k−1)/(n(n−1)).
        double expected = c == 1 ? k / n : 1 - (n - k) * (n - k - 1) / ((double)n * (n - 1));
        if (c == 2) expected = (k * (2.0 * n - k - 1)) / ((double)n * (n - 1)); // same, without cancellation
        double got = PassAtK.Unbiased(n, c, k);
        Assert.True(Math.Abs(got - expected) <= 1e-12 * expected, $"{got} vs {expected}");
    }

    [Fact]
    public void Unbiased_WithHalfCorrect_AtHugeN_IsHalf()
    {
        Assert.Equal(0.5, PassAtK.Unbiased(10_000_000, 5_000_000, 1), 12);
    }

    [Fact]
    public void Unbiased_RealK_InterpolatesIntegerK_AndAgreesWithGammaForm()
    {
        // For real k, C(n−c,k)/C(n,k) = Γ(n−c+1)Γ(n−k+1) / (Γ(n−c−k+1)Γ(n+1)); check with MathNet's log-gamma at moderate n.
        foreach (var (n, c, k) in new[] { (200L, 7L, 2.5), (1000L, 30L, 10.25), (64L, 3L, 1.5) })
        {
            double lg = MathNet.Numerics.SpecialFunctions.GammaLn(n - c + 1) + MathNet.Numerics.SpecialFunctions.GammaLn(n - k + 1)
                      - MathNet.Numerics.SpecialFunctions.GammaLn(n - c - k + 1) - MathNet.Numerics.SpecialFunctions.GammaLn(n + 1);
            double expected = -Precise.Expm1(lg);
            Assert.True(Math.Abs(PassAtK.Unbiased(n, c, k) - expected) <= 1e-10 * expected);
            Assert.True(PassAtK.Unbiased(n, c, Math.Floor(k)) < PassAtK.Unbiased(n, c, k));
            Assert.True(PassAtK.Unbiased(n, c, k) < PassAtK.Unbiased(n, c, Math.Ceiling(k)));
        }
    }

    [Fact]
    public void Unbiased_RejectsKAboveN_AndBadCounts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Unbiased(10, 3, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Unbiased(10, 11, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Unbiased(10, -1, 1));
    }

    [Theory]
    [InlineData(1e-300, 1d)]
    [InlineData(1e-300, 1e6)]
    [InlineData(1e-20, 123.5)]
    public void FromProbability_StaysExact_ForTinyP(double p, double k)
    {
        // 1 − (1 − p)^k = kp − O(k²p²): for these p the correction is below one ulp.
        Assert.Equal(1.0, PassAtK.FromProbability(p, k) / (k * p), 12);
    }

    [Fact]
    public void FromProbability_MatchesMonteCarlo()
    {
        var rng = new Random(7);
        foreach (var (p, k) in new[] { (0.02, 10), (0.3, 3), (0.001, 500) })
        {
            const int trials = 200_000;
            int hits = 0;
            for (int t = 0; t < trials; t++)
            {
                bool any = false;
                for (int j = 0; j < k && !any; j++) any = rng.NextDouble() < p;
                if (any) hits++;
            }
            double exact = PassAtK.FromProbability(p, k);
            double se = Math.Sqrt(exact * (1 - exact) / trials);
            Assert.True(Math.Abs(hits / (double)trials - exact) < 4 * se, $"p={p} k={k}: MC {hits / (double)trials} vs {exact} (se {se})");
        }
    }

    [Fact]
    public void NegLog_IsAccurateInBothTails()
    {
        // Tiny p: −log pass@k ≈ nll − log k. Beyond double range (nll = 900) too.
        Assert.Equal(900 - Math.Log(50), PassAtK.NegLogFromNll(900, 50), 10);
        Assert.Equal(40 - Math.Log(3), PassAtK.NegLogFromNll(40, 3), 10);
        // p near 1 with large k: −log(1 − (1−p)^k) ≈ (1−p)^k.
        double q = 0.5, k = 60;
        Assert.Equal(1.0, PassAtK.NegLogFromProbability(1 - q, k) / Math.Pow(q, k), 12);
    }

    [Fact]
    public void PreciseLog1pExpm1_BeatNaiveForms()
    {
        Assert.Equal(1e-18, Precise.Log1p(1e-18));
        Assert.Equal(-1e-18, Precise.Expm1(-1e-18));
        Assert.Equal(Math.Log(1.5), Precise.Log1p(0.5), 15);
        Assert.Equal(Math.Exp(0.7) - 1, Precise.Expm1(0.7), 14);
    }

    [Fact]
    public void BrownPythiaMath_MeanPassAtK_MatchesPublishedCurves_To1e6()
    {
        // Brown et al. 2024 per-problem counts (10,000 samples each) → every published mean pass@k, k = 1 … 10,000.
        var perProblem = RepoData.Rows("pass_at_k/brown2024_pythia_math_per_problem.csv").GroupBy(r => r["model"])
            .ToDictionary(g => g.Key, g => (N: g.Select(r => (long)r.D("num_samples")).ToArray(), C: g.Select(r => (long)r.D("num_correct")).ToArray()));
        var published = RepoData.Rows("pass_at_k/brown2024_pythia_math_mean_pass_at_k.csv");
        Assert.True(published.Count > 700);
        foreach (var row in published)
        {
            var (n, c) = perProblem[row["model"]];
            double got = TaskPassAtK.MeanUnbiased(n, c, row.D("k"));
            Assert.True(Math.Abs(got - row.D("mean_pass_at_k")) <= 1e-6, $"{row["model"]} k={row["k"]}: {got} vs {row["mean_pass_at_k"]}");
        }
        // And the figures quoted in the data README (rounded as printed there).
        Assert.Equal(0.0232, TaskPassAtK.MeanUnbiased(perProblem["Pythia 12B"].N, perProblem["Pythia 12B"].C, 1), 4);
        Assert.Equal(0.4834, TaskPassAtK.MeanUnbiased(perProblem["Pythia 12B"].N, perProblem["Pythia 12B"].C, 100), 4);
        Assert.Equal(0.875, TaskPassAtK.MeanUnbiased(perProblem["Pythia 12B"].N, perProblem["Pythia 12B"].C, 10_000), 4);
        Assert.Equal(0.000647, TaskPassAtK.MeanUnbiased(perProblem["Pythia 70M"].N, perProblem["Pythia 70M"].C, 1), 6);
        Assert.Equal(0.0361, TaskPassAtK.MeanUnbiased(perProblem["Pythia 70M"].N, perProblem["Pythia 70M"].C, 100), 4);
        Assert.Equal(0.2656, TaskPassAtK.MeanUnbiased(perProblem["Pythia 70M"].N, perProblem["Pythia 70M"].C, 10_000), 4);
    }
}
