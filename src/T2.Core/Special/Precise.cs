namespace T2.Core.Special;

/// <summary>
/// log1p and expm1 accurate to a few ulps. .NET's double.LogP1/ExpM1 are computed as Log(1 + x) and
/// Exp(x) − 1, which lose every digit for |x| below 1e-16 — exactly the regime pass@k with tiny p needs.
/// Both use the classic correction trick (Goldberg 1991; Kahan): the rounding error of 1 + x (or of e^x)
/// is cancelled by rescaling with the exactly representable difference.
/// </summary>
public static class Precise
{
    public static double Log1p(double x)
    {
        if (double.IsNaN(x) || x < -1) return double.NaN;
        if (x == -1) return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x)) return x;
        double u = 1 + x;
        if (u == 1) return x;
        return Math.Log(u) * x / (u - 1);
    }

    public static double Expm1(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x > 709.78) return double.PositiveInfinity;
        if (x < -40) return -1; // e^x < 5e-18 is below one ulp of 1
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        if (um1 == -1) return -1;
        return um1 * x / Math.Log(u);
    }

    /// <summary>
    /// −log(1 − e^t) for t ≤ 0 (e.g. −log pass@k from t = k·log(1 − p)), in the form that keeps both tails exact:
    /// −log(−expm1(t)) when 1 − e^t ≪ 1, −log1p(−e^t) when it is near 1.
    /// </summary>
    public static double NegLogOneMinusExp(double t)
    {
        if (t > -0.6931471805599453) return -Math.Log(-Expm1(t));
        return -Log1p(-Math.Exp(t));
    }
}
