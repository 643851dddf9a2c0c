using T2.Core.Special;

namespace T2.Core.PassK;

/// <summary>
/// pass@k for one question, in the forms of t2-maths.md §2. Every routine works in log space so that
/// p down to 1e-300, n up to 1e7 and k up to 1e6 (real-valued k included) stay exact to a few ulps.
/// </summary>
public static class PassAtK
{
    /// <summary>pass@k = 1 − (1 − p)^k, computed as −expm1(k·log1p(−p)). k may be real; k = 0 gives 0.</summary>
    public static double FromProbability(double p, double k)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in [0, 1].");
        if (!(k >= 0) || double.IsPositiveInfinity(k)) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be finite and ≥ 0.");
        if (p == 0 || k == 0) return 0;
        if (p == 1) return 1;
        return -Precise.Expm1(k * Precise.Log1p(-p));
    }

    /// <summary>pass@k from the answer's negative log-likelihood (nats): p = exp(−nll).</summary>
    public static double FromNll(double nll, double k)
    {
        if (!(nll >= 0) || double.IsNaN(nll)) throw new ArgumentOutOfRangeException(nameof(nll), nll, "nll must be ≥ 0.");
        return FromProbability(Math.Exp(-nll), k);
    }

    /// <summary>−log pass@k from a single-sample probability p (+∞ when p = 0).</summary>
    public static double NegLogFromProbability(double p, double k)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in [0, 1].");
        if (!(k > 0) || double.IsPositiveInfinity(k)) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be finite and > 0.");
        if (p == 0) return double.PositiveInfinity;
        if (p == 1) return 0;
        return Precise.NegLogOneMinusExp(k * Precise.Log1p(-p));
    }

    /// <summary>−log pass@k from the answer's NLL; accurate when nll is large (p below 1e-300 included).</summary>
    public static double NegLogFromNll(double nll, double k)
    {
        if (!(nll >= 0)) throw new ArgumentOutOfRangeException(nameof(nll), nll, "nll must be ≥ 0.");
        if (!(k > 0) || double.IsPositiveInfinity(k)) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be finite and > 0.");
        if (double.IsPositiveInfinity(nll)) return double.PositiveInfinity;
        // For tiny p, log1p(−p) underflows gracefully but k·p may still be representable: use it directly
        // so that nll = 800 (p = e^−800, below double's range) still yields nll − log k.
        // Below p ≈ 1e-300 the terms of order k·p are far under one ulp of the result, so −log pass@k = nll − log k.
        if (nll > 690) return nll - Math.Log(k);
        return Precise.NegLogOneMinusExp(k * Precise.Log1p(-Math.Exp(-nll)));
    }

    /// <summary>
    /// log of C(n−c, k)/C(n, k), the probability that k draws without replacement from n samples
    /// (c of them correct) are all wrong; −∞ when n − c &lt; k. Generalised to real k through
    /// Π_{i=n−c+1..n} (1 − k/i); for integer k the shorter product Π_{j=0..k−1} (n−c−j)/(n−j) is used.
    /// Cost O(min(c, k)) for integer k, O(c) for real k.
    /// </summary>
    public static double LogAllFail(long n, long c, double k)
    {
        Validate(n, c, k);
        if (c == 0) return 0;
        if (n - c < k) return double.NegativeInfinity;
        double sum = 0, comp = 0; // Kahan summation: c may be 10^7 terms
        bool integerK = k == Math.Floor(k) && k < long.MaxValue;
        if (integerK && k < c)
        {
            long kk = (long)k;
            for (long j = 0; j < kk; j++)
            {
                // (n−c−j)/(n−j) = 1 − c/(n−j)
                double term = Precise.Log1p(-(double)c / (n - j)) - comp;
                double t = sum + term; comp = (t - sum) - term; sum = t;
            }
        }
        else
        {
            for (long i = n - c + 1; i <= n; i++)
            {
                double term = Precise.Log1p(-k / i) - comp;
                double t = sum + term; comp = (t - sum) - term; sum = t;
            }
        }
        return sum;
    }

    /// <summary>Unbiased pass@k estimator (Chen et al. 2021): 1 − C(n−c, k)/C(n, k); 1 when n − c &lt; k.</summary>
    public static double Unbiased(long n, long c, double k)
    {
        double lf = LogAllFail(n, c, k);
        return -Precise.Expm1(lf);
    }

    /// <summary>−log of the unbiased estimate; +∞ when c = 0.</summary>
    public static double NegLogUnbiased(long n, long c, double k)
    {
        double lf = LogAllFail(n, c, k);
        if (lf == 0) return double.PositiveInfinity;
        if (double.IsNegativeInfinity(lf)) return 0;
        return Precise.NegLogOneMinusExp(lf);
    }

    private static void Validate(long n, long c, double k)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n (samples) must be ≥ 1.");
        if (c < 0 || c > n) throw new ArgumentOutOfRangeException(nameof(c), c, $"c (correct) must lie in [0, n = {n}].");
        if (!(k > 0) || double.IsPositiveInfinity(k)) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be finite and > 0.");
        if (k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k = {k} exceeds n = {n}: no unbiased estimate exists for k > n.");
    }
}
