using T2.Core.Laws;
using T2.Core.Special;

namespace T2.Core.Planning;

/// <summary>
/// Difficulty-aware k: with each question's p known (an oracle — deployments rarely have one; a difficulty predictor
/// stands in for it), the j-th sample of a question adds p(1 − p)^(j−1) to its pass probability, a gain that falls with j,
/// so the allocation that maximises the mean pass rate for a mean of m samples gives every question the samples whose
/// gain is at least a threshold λ: k(p) = #{j ≥ 0 : p(1 − p)^j ≥ λ} (greedy by marginal gain is optimal because each
/// question's gains decrease). λ is set so that the mean k is m (the last sample at λ is split fractionally, so the mean is
/// met exactly). Hopeless questions (p &lt; λ) get no sample at all — the saving and the unfairness of the rule.
/// </summary>
public static class AdaptiveK
{
    /// <summary>Samples for one question at threshold λ (real-valued count of gains ≥ λ).</summary>
    public static double SamplesAt(double p, double lambda)
    {
        if (p <= 0 || p < lambda) return 0;
        if (p >= 1) return 1;                                      // one sample is certain
        // p(1 − p)^j ≥ λ ⇔ j ≤ ln(λ/p)/ln(1 − p)
        return Math.Floor(Math.Log(lambda / p) / T2.Core.Special.Precise.Log1p(-p) + 1e-12) + 1;
    }

    /// <summary>A finite set of questions: per-question k at mean <paramref name="meanSamples"/>, and the mean pass rate.</summary>
    public static (double[] K, double PassRate) Allocate(IReadOnlyList<double> p, double meanSamples)
    {
        if (!(meanSamples > 0)) throw new ArgumentOutOfRangeException(nameof(meanSamples), "the mean number of samples must be > 0.");
        int n = p.Count;
        double Mean(double lam) { double s = 0; foreach (var x in p) s += SamplesAt(x, lam); return s / n; }
        double lo = -745, hi = 0;                                  // bisection on ln λ: the mean k falls as λ rises
        for (int i = 0; i < 200; i++) { double mid = 0.5 * (lo + hi); if (Mean(Math.Exp(mid)) > meanSamples) lo = mid; else hi = mid; }
        double lamHi = Math.Exp(hi);
        var k = p.Select(x => SamplesAt(x, lamHi)).ToArray();
        // Spend what is left on the next-best samples (those with gain just below λ), fractionally, to meet the mean exactly.
        double left = meanSamples * n - k.Sum();
        var next = Enumerable.Range(0, n).Where(i => p[i] > 0 && p[i] < 1).Select(i => (i, gain: p[i] * Math.Pow(1 - p[i], k[i]))).OrderByDescending(x => x.gain).ToList();
        foreach (var (i, _) in next) { if (left <= 0) break; double add = Math.Min(1, left); k[i] += add; left -= add; }
        double pass = 0;
        for (int i = 0; i < n; i++) pass += -double.ExpM1(k[i] * double.LogP1(-Math.Min(p[i], 1 - 1e-16)));
        return (k, pass / n);
    }

    /// <summary>The mean pass rate under p ~ Beta(a, b) with a mean of m samples per question, allocated by difficulty
    /// (quadrature in t = logit p, where p^a(1 − p)^b dt is smooth).</summary>
    public static double ExpectedPassRate(double a, double b, double m)
    {
        const int n = 1200; const double t0 = -40, t1 = 40, h = (t1 - t0) / n;
        var ps = new double[n + 1]; var w = new double[n + 1];
        double logB = SpecialLogBeta(a, b), norm = 0;
        for (int i = 0; i <= n; i++)
        {
            double t = t0 + i * h, p = 1 / (1 + Math.Exp(-t));
            double lw = a * -T2.Core.Special.Precise.Log1p(Math.Exp(-t)) + b * -T2.Core.Special.Precise.Log1p(Math.Exp(t)) - logB;   // p^a (1−p)^b / B(a, b)
            ps[i] = p; w[i] = Math.Exp(lw) * (i == 0 || i == n ? 0.5 : 1) * h; norm += w[i];
        }
        for (int i = 0; i <= n; i++) w[i] /= norm;                 // the grid's own normalisation
        double Mean(double lam) { double s = 0; for (int i = 0; i <= n; i++) s += w[i] * SamplesAt(ps[i], lam); return s; }
        double lo = -745, hi = 0;
        for (int i = 0; i < 60; i++) { double mid = 0.5 * (lo + hi); if (Mean(Math.Exp(mid)) > m) lo = mid; else hi = mid; }
        double lamHi = Math.Exp(hi), lamLo = Math.Exp(lo), kHi = Mean(lamHi), kLo = Mean(lamLo);
        double Pass(double lam) { double s = 0; for (int i = 0; i <= n; i++) s += w[i] * -double.ExpM1(SamplesAt(ps[i], lam) * double.LogP1(-Math.Min(ps[i], 1 - 1e-16))); return s; }
        // Between the two thresholds the mean k jumps; interpolate the pass rate linearly in the mean k (a fractional sample).
        double pHi = Pass(lamHi), pLo = Pass(lamLo);
        return kLo > kHi ? pHi + (pLo - pHi) * Math.Clamp((m - kHi) / (kLo - kHi), 0, 1) : pHi;
    }

    private static double SpecialLogBeta(double a, double b) =>
        MathNet.Numerics.SpecialFunctions.GammaLn(a) + MathNet.Numerics.SpecialFunctions.GammaLn(b) - MathNet.Numerics.SpecialFunctions.GammaLn(a + b);

    /// <summary>Approach 2's metric with difficulty-aware k: the planner's k is the mean samples per query.</summary>
    public static PlanMetric Metric(Approach2Law law) => new("acc_k_adaptive", (n, d, m) =>
    {
        double loss = law.Loss.Predict(n, d), mu = law.Mu(loss), nu = law.Nu(loss);
        if (!double.IsFinite(mu * nu) || !double.IsFinite((1 - mu) * nu) || mu * nu == 0 || (1 - mu) * nu == 0) return law.AccuracyAtLoss(loss, m);
        return Math.Max(ExpectedPassRate(mu * nu, (1 - mu) * nu, m), law.AccuracyAtLoss(loss, m));
    }, true) { Law = law };

    /// <summary>The task with Approach 2 planned under this policy (Approach 1 is left out: see FittedTasks.WithApproach2Metric).</summary>
    public static FittedTask Apply(FittedTask t) => FittedTasks.WithApproach2Metric(t, Metric);
}
