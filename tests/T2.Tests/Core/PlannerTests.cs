using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;

namespace T2.Tests.Core;

public class PlannerTests
{
    private static readonly Approach1Law A1 = new(0.3, 300, 900, 0.35, 0.32, 1.2, 0.4);
    private static readonly Approach2Law A2 = new(new ChinchillaLaw(1.2, 300, 900, 0.35, 0.30), 2.2, 3.0, 0.8, 1.0, 0.3);

    private static double BruteForce(Func<double, double> score, double lo, double hi)
    {
        double best = double.PositiveInfinity, arg = double.NaN;
        for (int i = 0; i <= 200_000; i++)
        {
            double n = Math.Exp(Math.Log(lo) + (Math.Log(hi) - Math.Log(lo)) * i / 200_000), s = score(n);
            if (s < best) { best = s; arg = n; }
        }
        return arg;
    }

    /// <summary>
    /// The split search's optimum must be no worse than the best point of its 1,201-point grid in log N and its flat set
    /// (N within 1 % of the optimum) exactly that grid's. A coarse-then-fine scan (tried for the report's planner grid) moved
    /// 2–3 % of the report's plans, so any shortcut must keep these.
    /// </summary>
    [Theory]
    [InlineData(1, 1e19, 2e9)]
    [InlineData(1, 1e23, 1e15)]
    [InlineData(2, 1e21, 1.4e11)]
    [InlineData(2, 1e17, 1e12)]
    public void Split_MatchesTheFullGrid_OptimumAndFlatSet(int approach, double cTrain, double cInf)
    {
        var m = approach == 1 ? new PlanMetric("nll", A1.Predict, false) : new PlanMetric("acc", A2.Predict, true);
        var budget = new PlanBudget { CTrain = cTrain, CInf = cInf };
        var p = Planner.Plan(m, budget, approach == 1 ? A1.AtKOne() : A2.Loss);
        double lo = Math.Log(budget.NMin), hi = Math.Log(Math.Min(Math.Min(budget.NMax, cTrain / 6), cInf / 2));
        double best = double.PositiveInfinity, fOpt = m.Maximize ? -p.Optimum.Predicted : p.Optimum.Predicted;
        double flatLo = double.NaN, flatHi = double.NaN;
        for (int i = 0; i < 1201; i++)
        {
            double n = Math.Exp(lo + (hi - lo) * i / 1200), v = m.Evaluate(n, cTrain / (6 * n), cInf / (2 * n)), f = m.Maximize ? -v : v;
            best = Math.Min(best, f);
            bool within = m.Maximize ? v >= 0.99 * p.Optimum.Predicted : v <= 1.01 * p.Optimum.Predicted;
            if (within) { if (double.IsNaN(flatLo)) flatLo = n; flatHi = n; }
        }
        Assert.True(fOpt <= best + 1e-12 * Math.Abs(best), $"planner {fOpt} vs full grid {best}");
        Assert.Equal(flatLo, p.FlatNMin, flatLo * 1e-9);
        Assert.Equal(flatHi, p.FlatNMax, flatHi * 1e-9);
        Assert.True(p.FlatNMax > p.FlatNMin);
    }

    /// <summary>
    /// The end-to-end search's optimum must be at least as good as the best point of its grid (every N of 301, every training
    /// share of 199), for both approaches and budgets whose optimum sits at a small or a large share.
    /// </summary>
    [Theory]
    [InlineData(1, 1e22, 1e9, 300)]
    [InlineData(1, 1e19, 1e3, 10)]
    [InlineData(2, 1e22, 1e9, 300)]
    [InlineData(2, 1e24, 1e6, 1000)]
    [InlineData(2, 1e18, 10, 100)]
    public void EndToEnd_NoWorseThanTheExhaustiveShareGrid(int approach, double total, double q, double l)
    {
        var m = approach == 1 ? new PlanMetric("nll", A1.Predict, false) : new PlanMetric("acc", A2.Predict, true);
        var budget = new PlanBudget { CTotal = total, Queries = q, TokensPerQuery = l };
        var p = Planner.Plan(m, budget, approach == 1 ? A1.AtKOne() : A2.Loss);
        double lo = Math.Log(budget.NMin), hi = Math.Log(Math.Min(budget.NMax, total / 6));
        double best = double.PositiveInfinity;
        for (int i = 0; i < 301; i++)
            for (int j = 1; j <= 199; j++)
            {
                double n = Math.Exp(lo + (hi - lo) * i / 300), f = j / 200.0, d = f * total / (6 * n), k = (1 - f) * total / (q * l * 2 * n);
                if (k < 1 || d < 1) continue;
                double v = m.Evaluate(n, d, k);
                best = Math.Min(best, m.Maximize ? -v : v);
            }
        Assert.True(double.IsFinite(best));
        double got = m.Maximize ? -p.Optimum.Predicted : p.Optimum.Predicted;
        Assert.True(got <= best + 1e-12 * Math.Abs(best), $"planner {got} vs exhaustive grid {best}");
        Assert.Equal(total, 6 * p.Optimum.N * p.Optimum.D + q * l * 2 * p.Optimum.N * p.Optimum.K, total * 1e-9);
    }

    [Theory]
    [InlineData(1e19, 2e9)]
    [InlineData(1e21, 1.4e11)]
    [InlineData(1e24, 1.4e11)]
    public void Optimum_MatchesBruteForceGrid_ToOnePercent(double cTrain, double cInf)
    {
        var budget = new PlanBudget { CTrain = cTrain, CInf = cInf };
        double hi = Math.Min(cTrain / 6, cInf / 2);
        var p1 = Planner.Plan(new PlanMetric("nll", A1.Predict, false), budget, new ChinchillaLaw(1.5, 300, 900, 0.35, 0.32));
        double b1 = BruteForce(n => A1.Predict(n, cTrain / (6 * n), cInf / (2 * n)), 1e3, hi);
        Assert.InRange(p1.Optimum.N / b1, 0.99, 1.01);
        var p2 = Planner.Plan(new PlanMetric("acc", A2.Predict, true), budget, A2.Loss);
        double b2 = BruteForce(n => -A2.Predict(n, cTrain / (6 * n), cInf / (2 * n)), 1e3, hi);
        Assert.InRange(p2.Optimum.N / b2, 0.99, 1.01);
        // Constraints bind exactly.
        Assert.Equal(cTrain, 6 * p2.Optimum.N * p2.Optimum.D, cTrain * 1e-9);
        Assert.Equal(cInf, 2 * p2.Optimum.N * p2.Optimum.K, cInf * 1e-9);
        // The T² optimum is never worse than the Chinchilla baseline under the same budget.
        Assert.True(p1.Optimum.Predicted <= p1.Chinchilla.Predicted + 1e-12);
        Assert.True(p2.Optimum.Predicted >= p2.Chinchilla.Predicted - 1e-12);
        Assert.InRange(p2.Optimum.N, p2.FlatNMin, p2.FlatNMax);
    }

    [Theory]
    [InlineData(1e19, 2e9, 1e8)]
    [InlineData(1e21, 1.4e11, 1e10)]
    public void CountedPostTraining_PaysFromCTrain_AndMatchesBruteForce(double cTrain, double cInf, double post)
    {
        var m = new PlanMetric("acc", A2.Predict, true);
        var p = Planner.Plan(m, new PlanBudget { CTrain = cTrain, CInf = cInf, PostTrainingTokens = post }, A2.Loss);
        // 6N(D + D_post) = C_train binds exactly; D is the pretraining tokens alone.
        Assert.Equal(cTrain, 6 * p.Optimum.N * (p.Optimum.D + post), cTrain * 1e-9);
        Assert.Equal(cTrain, 6 * p.Chinchilla.N * (p.Chinchilla.D + post), cTrain * 1e-9);
        double hi = Math.Min(cTrain / (6 * (post + 1)), cInf / 2);
        double b = BruteForce(n => -A2.Predict(n, cTrain / (6 * n) - post, cInf / (2 * n)), 1e3, hi);
        Assert.InRange(p.Optimum.N / b, 0.99, 1.01);
        // Charging post-training costs accuracy (less pretraining at every N) and moves the optimum to a smaller model.
        var free = Planner.Plan(m, new PlanBudget { CTrain = cTrain, CInf = cInf }, A2.Loss);
        Assert.True(p.Optimum.Predicted < free.Optimum.Predicted);
        Assert.True(p.Optimum.N <= free.Optimum.N * 1.0001);
        // D_post = 0 is the paper's budget exactly.
        var zero = Planner.Plan(m, new PlanBudget { CTrain = cTrain, CInf = cInf, PostTrainingTokens = 0 }, A2.Loss);
        Assert.Equal(free.Optimum, zero.Optimum);
        Assert.Throws<ArgumentException>(() => Planner.Plan(m, new PlanBudget { CTrain = cTrain, CInf = cInf, PostTrainingTokens = -1 }, A2.Loss));
    }

    [Fact]
    public void IntegerK_FixedK_AndEndToEndBudget_MatchBruteForce()
    {
        var m = new PlanMetric("acc", A2.Predict, true);
        var pi = Planner.Plan(m, new PlanBudget { CTrain = 1e21, CInf = 1.4e11, IntegerK = true }, A2.Loss);
        Assert.Equal(Math.Floor(pi.Optimum.K), pi.Optimum.K);
        double bi = BruteForce(n => -A2.Predict(n, 1e21 / (6 * n), Math.Max(1, Math.Floor(1.4e11 / (2 * n)))), 1e3, 7e10);
        Assert.True(pi.Optimum.Predicted >= A2.Predict(bi, 1e21 / (6 * bi), Math.Max(1, Math.Floor(1.4e11 / (2 * bi)))) - 1e-6);

        var pf = Planner.Plan(m, new PlanBudget { CTrain = 1e21, FixedK = 1 }, A2.Loss);
        Assert.Equal(1, pf.Optimum.K);
        double bf = BruteForce(n => -A2.Predict(n, 1e21 / (6 * n), 1), 1e3, 1e20);
        Assert.InRange(pf.Optimum.N / bf, 0.99, 1.01);

        // End to end: C_total = 6ND + Q·L·2N·k. Brute force over N and the training share.
        double total = 1e22, q = 1e9, l = 300;
        var pt = Planner.Plan(m, new PlanBudget { CTotal = total, Queries = q, TokensPerQuery = l }, A2.Loss);
        Assert.Equal(total, 6 * pt.Optimum.N * pt.Optimum.D + q * l * 2 * pt.Optimum.N * pt.Optimum.K, total * 1e-9);
        double best = 0;
        for (int i = 0; i <= 600; i++)
            for (int j = 1; j < 400; j++)
            {
                double n = Math.Exp(Math.Log(1e5) + (Math.Log(1e11) - Math.Log(1e5)) * i / 600), f = j / 400.0;
                double k = (1 - f) * total / (2 * n * q * l);
                if (k < 1) continue;
                best = Math.Max(best, A2.Predict(n, f * total / (6 * n), k));
            }
        Assert.True(pt.Optimum.Predicted >= best - 1e-4, $"planner {pt.Optimum.Predicted} vs brute force {best}");
    }

    [Fact]
    public void Trust_GivesTheFactorBeyondTheFittedRange_PerDimension()
    {
        // Given a fit range and a plan far beyond it in D and k
        var range = new FitRange(1e7, 1e9, 1e9, 1e11, 5, 300, 1, 64);
        var p = Planner.Plan(new PlanMetric("acc", A2.Predict, true), new PlanBudget { CTrain = 1e24, CInf = 1.4e11 }, A2.Loss);
        var o = p.Optimum;
        var t = PlanTrustAssessor.Assess(o.N, o.D, o.K, o.K, range, [], 1.4e11);
        // Then each factor is the distance beyond the nearer edge (1 inside), exactly
        Assert.Equal(o.D > 1e11 ? o.D / 1e11 : o.D < 1e9 ? 1e9 / o.D : 1, t.Extrapolation.D, 1e-12);
        Assert.Equal(o.K > 64 ? o.K / 64 : 1, t.Extrapolation.K, 1e-9);
        Assert.Equal(o.N >= 1e7 && o.N <= 1e9 ? 1 : o.N > 1e9 ? o.N / 1e9 : 1e7 / o.N, t.Extrapolation.N, 1e-12);
        Assert.True(t.Extrapolation.D > 1 && t.Extrapolation.K > 1);
        Assert.Contains("beyond the fitted data", t.Verdict);
        Assert.Equal(T2.Core.Health.Severity.Warn, t.Severity);
        // And a point inside the range is trusted (no factor above 1, an untroubled verdict)
        var inside = PlanTrustAssessor.Assess(1e8, 1e10, 8, 8, range, []);
        Assert.Equal(1, inside.Extrapolation.Max);
        Assert.Equal(T2.Core.Health.Severity.Info, inside.Severity);
    }
}
