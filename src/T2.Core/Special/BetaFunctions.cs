namespace T2.Core.Special;

/// <summary>
/// Log-Gamma differences and the Beta-mixture pass@k of T² Approach 2 (t2-maths.md §5):
/// if p ~ Beta(a, b) then E[(1 − p)^k] = B(a, b + k)/B(a, b), so E[pass@k] = 1 − B(a, b + k)/B(a, b).
/// Computing lnB(a, b+k) − lnB(a, b) as a difference of log-Gammas loses everything when a is small and k large
/// (both terms ~ k log k, their difference ~ a log k); here it is built from lnΓ(x + a) − lnΓ(x) evaluated
/// directly, which stays accurate for k up to 1e6 and a, b down to 1e−3.
/// </summary>
public static class BetaFunctions
{
    /// <summary>R(x, a) = lnΓ(x + a) − lnΓ(x) for x &gt; 0, a ≥ 0, without forming either log-Gamma.</summary>
    public static double LogGammaRatio(double x, double a)
    {
        if (!(x > 0) || !(a >= 0) || double.IsInfinity(x) || double.IsInfinity(a))
            throw new ArgumentOutOfRangeException(nameof(x), $"LogGammaRatio needs x > 0 and finite a ≥ 0 (x = {x}, a = {a}).");
        if (a == 0) return 0;
        // Recurrence lnΓ(z+1) = ln z + lnΓ(z) moves x up to ≥ 20, where Stirling's series converges to double precision:
        // R(x, a) = R(x + m, a) − Σ_{j<m} [ln(x + j + a) − ln(x + j)] = R(x + m, a) − Σ log1p(a/(x + j)).
        double shift = 0;
        while (x < 20) { shift += Precise.Log1p(a / x); x += 1; }
        // Stirling: lnΓ(z) = (z − ½)ln z − z + ½ln 2π + S(z). The difference, arranged without cancellation:
        // (x + a − ½)ln(x + a) − (x − ½)ln x − a = (x − ½)·log1p(a/x) + a·ln(x + a) − a.
        double main = (x - 0.5) * Precise.Log1p(a / x) + a * Math.Log(x + a) - a;
        return main + StirlingTail(x + a) - StirlingTail(x) - shift;
    }

    // S(z) = Σ B_2n / (2n(2n−1) z^(2n−1)), four terms; for z ≥ 20 the first omitted term is below 2e−15.
    private static double StirlingTail(double z)
    {
        double iz = 1 / z, iz2 = iz * iz;
        return iz * (1.0 / 12 - iz2 * (1.0 / 360 - iz2 * (1.0 / 1260 - iz2 * (1.0 / 1680))));
    }

    /// <summary>
    /// log E[(1 − p)^k] for p ~ Beta(a, b) = lnB(a, b + k) − lnB(a, b). Exact product Π_{j&lt;k} (b + j)/(a + b + j)
    /// for integer k ≤ 8 (where the difference below would cancel most); otherwise R(b, a) − R(b + k, a). Real k allowed.
    /// </summary>
    public static double LogBetaRatio(double a, double b, double k)
    {
        if (!(a > 0) || !(b > 0) || double.IsInfinity(a) || double.IsInfinity(b))
            throw new ArgumentOutOfRangeException(nameof(a), $"Beta(a, b) needs finite a, b > 0 (a = {a}, b = {b}).");
        if (!(k >= 0) || double.IsInfinity(k)) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be finite and ≥ 0.");
        if (k == 0) return 0;
        if (k <= 8 && k == Math.Floor(k))
        {
            double s = 0;
            for (int j = 0; j < (int)k; j++) s += Precise.Log1p(-a / (a + b + j));
            return s;
        }
        return LogGammaRatio(b, a) - LogGammaRatio(b + k, a);
    }

    /// <summary>E[pass@k] for p ~ Beta(a, b): 1 − B(a, b + k)/B(a, b).</summary>
    public static double ExpectedPassAtK(double a, double b, double k) => -Precise.Expm1(LogBetaRatio(a, b, k));

    /// <summary>−log E[pass@k] for p ~ Beta(a, b), accurate in both tails.</summary>
    public static double NegLogExpectedPassAtK(double a, double b, double k)
    {
        double lr = LogBetaRatio(a, b, k);
        return lr == 0 ? double.PositiveInfinity : Precise.NegLogOneMinusExp(lr);
    }
}
