using T2.Core.Laws;
using T2.Core.Special;
using Lanes = System.Numerics.Vector<double>;

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
    /// <remarks>
    /// The planner calls this ~10⁴ times a plan, so everything that does not depend on (a, b, m) is tabulated once
    /// (<see cref="LogitGrid"/>: p, ln p, ln(1 − p) and 1/ln(1 − p) on the fixed logit grid), the weights are normalised on the
    /// grid itself (so B(a, b) is never needed), grid points whose weight is below e^−50 of the largest are skipped (the
    /// log-weight a·ln p + b·ln(1 − p) is concave in t, so the points kept are one interval), and the search for the
    /// threshold λ counts samples with one multiply per point, vectorised, over only the questions with p ≥ λ. Same grid and
    /// rounding rule as the direct form (<c>AdaptiveKQuadratureTests</c> checks it against that form to 1e−9).
    /// </remarks>
    public static double ExpectedPassRate(double a, double b, double m)
    {
        var g = LogitGrid.Instance;
        int n = g.P.Length;
        Span<double> w = n <= 2048 ? stackalloc double[n] : new double[n];
        double lwMax = double.NegativeInfinity;
        for (int i = 0; i < n; i++) { double lw = a * g.LnPWeight[i] + b * g.LnQ[i]; w[i] = lw; if (lw > lwMax) lwMax = lw; }
        if (!double.IsFinite(lwMax)) return double.NaN;
        int i0 = 0, i1 = n - 1;
        while (i0 < i1 && w[i0] < lwMax - 50) i0++;
        while (i1 > i0 && w[i1] < lwMax - 50) i1--;
        double norm = 0;
        for (int i = i0; i <= i1; i++) { w[i] = Math.Exp(w[i] - lwMax) * g.Trapezoid[i]; norm += w[i]; }
        for (int i = i0; i <= i1; i++) w[i] /= norm;
        var ws = w[i0..(i1 + 1)];
        var lnP = g.LnP.AsSpan(i0, i1 - i0 + 1); var inv = g.InvLnQ.AsSpan(i0, i1 - i0 + 1);
        // Bracket ln λ* from the top (at ln λ = max ln p only the easiest questions get a sample), widening downward, then
        // bisect to a width of 1e−10: the mean k is a step function of λ, so between the bracket's ends it jumps once (or a
        // few times at gains within a factor 1 + 1e−10 of each other), and the linear interpolation below is then exact to
        // 1e−10·λ per sample — far below the quadrature's own error (60 halvings of [−745, 0] gave 6e−16, for nothing).
        double hi = 0, lo;
        double top = lnP[^1];
        if (MeanSamples(ws, lnP, inv, top) <= m) hi = top;
        double width = 1;
        for (lo = hi - width; lo > -745 && MeanSamples(ws, lnP, inv, lo) <= m; lo = Math.Max(-745, hi - width)) { hi = lo; width *= 2; }
        if (lo < -745) lo = -745;
        while (hi - lo > 1e-10) { double mid = 0.5 * (lo + hi); if (MeanSamples(ws, lnP, inv, mid) > m) lo = mid; else hi = mid; }
        double kHi = MeanSamples(ws, lnP, inv, hi), kLo = MeanSamples(ws, lnP, inv, lo);
        var lnQc = g.LnQClamped.AsSpan(i0, i1 - i0 + 1);
        // Between the two thresholds the mean k jumps; interpolate the pass rate linearly in the mean k (a fractional sample).
        var (pHi, pLo) = PassRates(ws, lnP, inv, lnQc, hi, lo);
        return kLo > kHi ? pHi + (pLo - pHi) * Math.Clamp((m - kHi) / (kLo - kHi), 0, 1) : pHi;
    }

    // SamplesAt on the tabulated logs: p(1 − p)^j ≥ λ ⇔ j ≤ (ln λ − ln p)/ln(1 − p); invLnQ = 0 where p rounds to 1 (one sample).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static double SamplesAtLog(double lnP, double invLnQ, double lnLam)
        => lnLam > lnP ? 0 : Math.Floor((lnLam - lnP) * invLnQ + 1e-12) + 1;

    /// <summary>The pass rate Σ w_i·(1 − (1 − p_i)^k_i(λ)) at two thresholds λ_hi ≥ λ_lo in one pass (questions with p &lt; λ get
    /// no sample, so only a suffix counts; only the questions whose k differs cost a second expm1).</summary>
    private static (double Hi, double Lo) PassRates(ReadOnlySpan<double> w, ReadOnlySpan<double> lnP, ReadOnlySpan<double> invLnQ,
        ReadOnlySpan<double> lnQClamped, double lnHi, double lnLo)
    {
        double sHi = 0, sLo = 0;
        for (int i = FirstAtLeast(lnP, lnLo); i < w.Length; i++)
        {
            double kHi = SamplesAtLog(lnP[i], invLnQ[i], lnHi), kLo = SamplesAtLog(lnP[i], invLnQ[i], lnLo);
            double pHi = kHi > 0 ? w[i] * -double.ExpM1(kHi * lnQClamped[i]) : 0;
            sHi += pHi;
            sLo += kLo == kHi ? pHi : w[i] * -double.ExpM1(kLo * lnQClamped[i]);
        }
        return (sHi, sLo);
    }

    /// <summary>First index with ln p ≥ ln λ (ln p rises along the grid).</summary>
    private static int FirstAtLeast(ReadOnlySpan<double> lnP, double lnLam)
    {
        int lo = 0, hi = lnP.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (lnP[mid] >= lnLam) hi = mid; else lo = mid + 1; }
        return lo;
    }

    /// <summary>Σ w_i·k_i(λ) over the grid, in vectors of <see cref="System.Numerics.Vector{T}"/> lanes.</summary>
    private static double MeanSamples(ReadOnlySpan<double> w, ReadOnlySpan<double> lnP, ReadOnlySpan<double> invLnQ, double lnLam)
    {
        int n = w.Length, i = FirstAtLeast(lnP, lnLam);
        var acc = Lanes.Zero;
        if (System.Numerics.Vector.IsHardwareAccelerated && n - i >= Lanes.Count)
        {
            var lam = new Lanes(lnLam); var eps = new Lanes(1e-12);
            for (; i <= n - Lanes.Count; i += Lanes.Count)
            {
                var lp = new Lanes(lnP[i..]);
                var k = System.Numerics.Vector.Floor((lam - lp) * new Lanes(invLnQ[i..]) + eps) + Lanes.One;
                var keep = System.Numerics.Vector.LessThanOrEqual(lam, lp);          // p ≥ λ: at least one sample
                acc += System.Numerics.Vector.ConditionalSelect(keep, k, Lanes.Zero) * new Lanes(w[i..]);
            }
        }
        double s = System.Numerics.Vector.Sum(acc);
        for (; i < n; i++) s += w[i] * SamplesAtLog(lnP[i], invLnQ[i], lnLam);
        return s;
    }

    /// <summary>The fixed quadrature grid in t = logit p ∈ [−40, 40] (1,201 points) and what the bisection needs of it.</summary>
    private sealed class LogitGrid
    {
        public static readonly LogitGrid Instance = new();
        public readonly double[] P, LnP, LnPWeight, LnQ, InvLnQ, LnQClamped, Trapezoid;
        private LogitGrid()
        {
            const int n = 1200; const double t0 = -40, t1 = 40, h = (t1 - t0) / n;
            P = new double[n + 1]; LnP = new double[n + 1]; LnPWeight = new double[n + 1]; LnQ = new double[n + 1];
            InvLnQ = new double[n + 1]; LnQClamped = new double[n + 1]; Trapezoid = new double[n + 1];
            for (int i = 0; i <= n; i++)
            {
                double t = t0 + i * h, p = 1 / (1 + Math.Exp(-t));
                P[i] = p;
                LnPWeight[i] = -T2.Core.Special.Precise.Log1p(Math.Exp(-t));       // ln p and ln(1 − p) for the weights,
                LnQ[i] = -T2.Core.Special.Precise.Log1p(Math.Exp(t));              // accurate in both tails
                LnP[i] = Math.Log(p);                                              // the threshold test p ≥ λ, as SamplesAt
                InvLnQ[i] = p >= 1 ? 0 : 1 / T2.Core.Special.Precise.Log1p(-p);    // as SamplesAt: one sample where p rounds to 1
                LnQClamped[i] = double.LogP1(-Math.Min(p, 1 - 1e-16));
                Trapezoid[i] = (i == 0 || i == n ? 0.5 : 1) * h;
            }
        }
    }

    /// <summary>Approach 2's metric with difficulty-aware k: the planner's k is the mean samples per query.</summary>
    public static PlanMetric Metric(Approach2Law law)
    {
        double AtLoss(double loss, double m)
        {
            double mu = law.Mu(loss), nu = law.Nu(loss);
            if (!double.IsFinite(mu * nu) || !double.IsFinite((1 - mu) * nu) || mu * nu == 0 || (1 - mu) * nu == 0) return law.AccuracyAtLoss(loss, m);
            return Math.Max(ExpectedPassRate(mu * nu, (1 - mu) * nu, m), law.AccuracyAtLoss(loss, m));
        }
        return new("acc_k_adaptive", (n, d, m) => AtLoss(law.Loss.Predict(n, d), m), true) { Law = law, AtLoss = AtLoss };
    }

    /// <summary>The task with Approach 2 planned under this policy (Approach 1 is left out: see FittedTasks.WithApproach2Metric).</summary>
    public static FittedTask Apply(FittedTask t) => FittedTasks.WithApproach2Metric(t, Metric);
}
