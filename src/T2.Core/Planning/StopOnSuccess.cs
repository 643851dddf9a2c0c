using T2.Core.Laws;
using T2.Core.Special;

namespace T2.Core.Planning;

/// <summary>
/// Sampling that stops at the first success (a verifier — unit tests, an answer checker — says when a sample passes).
/// For a question with single-sample accuracy p and a cap of k samples, the samples drawn are min(k, first success), so
/// E[samples | p] = Σ_{j&lt;k} (1 − p)^j = (1 − (1 − p)^k)/p, and under Approach 2's p ~ Beta(a, b)
///   E[samples] = Σ_{j&lt;k} B(a, b + j)/B(a, b) = ((a + b − 1)/(a − 1))·(1 − B(a − 1, b + k)/B(a − 1, b))   (a &gt; 1),
/// which is far below k when most questions are easy; pass@k is unchanged (the cap is k). A plan then spends C_inf on
/// expected samples: the planner's k = C_inf/(2N) is the expected number, and the cap is the k whose expectation it is.
/// </summary>
public static class StopOnSuccess
{
    /// <summary>The largest cap considered (beyond it a plan would promise accuracy no deployment waits for).</summary>
    public const double MaxCap = 1e6;

    /// <summary>E[samples] under Beta(a, b) with cap k ≥ 0 (real k: the same integral form, exact at integers).</summary>
    public static double ExpectedSamples(double a, double b, double k)
    {
        if (!(k >= 0)) throw new ArgumentOutOfRangeException(nameof(k), k, "the cap must be ≥ 0.");
        if (k == 0) return 0;
        if (a > 1)
            return (a + b - 1) / (a - 1) * -Precise.Expm1(BetaFunctions.LogBetaRatio(a - 1, b, k));
        // a ≤ 1: E[1/p] is infinite, so sum the terms B(a, b + j)/B(a, b) directly up to J, then integrate their smooth tail
        // t(x) = Γ(a+b)Γ(b+x)/(Γ(b)Γ(a+b+x)) ≈ C·(x + b + (a − 1)/2)^(−a) (relative error O(x⁻²)): Σ_{J ≤ j < k} t(j) is the
        // midpoint rule for ∫ t over [J − ½, k − ½].
        // The terms by their recurrence t(j+1) = t(j)·(b+j)/(a+b+j), t(0) = 1 (exact ratios of Beta functions): no log-Gamma
        // per term, which made this sum most of a stop-at-success plan's time.
        const int J = 256;
        double s = 0, t = 1;
        int whole = (int)Math.Min(Math.Floor(k), J);
        for (int j = 0; j < whole; j++) { s += t; t *= (b + j) / (a + b + j); }
        if (k <= J) return s + (k - whole) * t;
        double c = t * Math.Pow(J + b + (a - 1) / 2, a);
        double u0 = J - 0.5 + b + (a - 1) / 2, u1 = k - 0.5 + b + (a - 1) / 2;
        return s + c * (Math.Abs(a - 1) < 1e-12 ? Math.Log(u1 / u0) : (Math.Pow(u1, 1 - a) - Math.Pow(u0, 1 - a)) / (1 - a));
    }

    /// <summary>E[samples] at a stage-1 loss, with the Beta family's limits (p fixed at μ when ν → ∞; p ∈ {0, 1} when ν → 0).</summary>
    public static double ExpectedSamples(Approach2Law law, double loss, double k)
    {
        double mu = law.Mu(loss), nu = law.Nu(loss);
        if (double.IsPositiveInfinity(nu) || double.IsPositiveInfinity(mu * nu) || double.IsPositiveInfinity((1 - mu) * nu))
            return -double.ExpM1(k * double.LogP1(-mu)) / mu;
        if (mu * nu == 0 || (1 - mu) * nu == 0) return mu + (1 - mu) * k;
        return ExpectedSamples(mu * nu, (1 - mu) * nu, k);
    }

    /// <summary>The cap k ∈ [1, MaxCap] whose expected samples equal <paramref name="expected"/> (MaxCap when even that
    /// cap costs less; 1 when one sample already costs more).</summary>
    public static double Cap(Approach2Law law, double loss, double expected)
    {
        if (!(expected > 1)) return 1;
        if (ExpectedSamples(law, loss, MaxCap) <= expected) return MaxCap;
        // E[samples] increases with k: regula falsi in log k (Illinois variant, which keeps both ends moving), a bracket that
        // shrinks to 1e−13 in about a dozen evaluations where bisection needed 80 (each may sum 256 Beta ratios when a ≤ 1).
        double lo = 0, hi = Math.Log(MaxCap);
        double flo = ExpectedSamples(law, loss, 1) - expected, fhi = ExpectedSamples(law, loss, MaxCap) - expected;
        if (flo >= 0) return 1;
        int side = 0;
        for (int i = 0; i < 200 && hi - lo > 1e-13 * (1 + hi); i++)
        {
            double x = (lo * fhi - hi * flo) / (fhi - flo);
            if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
            double fx = ExpectedSamples(law, loss, Math.Exp(x)) - expected;
            if (fx == 0) return Math.Exp(x);
            if (fx < 0) { lo = x; flo = fx; if (side == -1) fhi /= 2; side = -1; }
            else { hi = x; fhi = fx; if (side == 1) flo /= 2; side = 1; }
            if (Math.Abs(fx) <= 1e-13 * expected) return Math.Exp(x);
        }
        return Math.Exp(0.5 * (lo + hi));
    }

    /// <summary>Approach 2's metric under stop-at-success: the planner's k is the expected samples per query.</summary>
    public static PlanMetric Metric(Approach2Law law)
    {
        double AtLoss(double loss, double m) => law.AccuracyAtLoss(loss, Cap(law, loss, m));
        return new("acc_k_stop_on_success", (n, d, m) => AtLoss(law.Loss.Predict(n, d), m), true) { Law = law, AtLoss = AtLoss };
    }

    /// <summary>The task with Approach 2 planned under this policy (Approach 1 is left out: see FittedTasks.WithApproach2Metric).</summary>
    public static FittedTask Apply(FittedTask t) => FittedTasks.WithApproach2Metric(t, Metric);
}
