namespace T2.Core.Fitting;

/// <summary>
/// The range of the points a fit actually used (after dropping non-finite targets), so that plans can say by how much
/// they extrapolate. K is the range of k the fit saw (1–1 for a loss law).
/// </summary>
public sealed record FitRange(double NMin, double NMax, double DMin, double DMax, double RatioMin, double RatioMax, double KMin, double KMax)
{
    /// <summary>The range of the given points; k defaults to 1 (a loss law has no k).</summary>
    public static FitRange Of(IReadOnlyList<double> n, IReadOnlyList<double> d, IReadOnlyList<double>? k = null)
    {
        if (n.Count == 0 || n.Count != d.Count) throw new ArgumentException("FitRange.Of: N and D must be non-empty and of equal length.");
        double nMin = double.PositiveInfinity, nMax = 0, dMin = double.PositiveInfinity, dMax = 0, rMin = double.PositiveInfinity, rMax = 0;
        for (int i = 0; i < n.Count; i++)
        {
            nMin = Math.Min(nMin, n[i]); nMax = Math.Max(nMax, n[i]);
            dMin = Math.Min(dMin, d[i]); dMax = Math.Max(dMax, d[i]);
            double r = d[i] / n[i];
            rMin = Math.Min(rMin, r); rMax = Math.Max(rMax, r);
        }
        double kMin = k is { Count: > 0 } ? k.Min() : 1, kMax = k is { Count: > 0 } ? k.Max() : 1;
        return new FitRange(nMin, nMax, dMin, dMax, rMin, rMax, kMin, kMax);
    }

    /// <summary>
    /// Factor by which <paramref name="value"/> lies beyond [lo, hi]: value/hi above, lo/value below, 1 inside.
    /// Always ≥ 1, so "80" reads "80× beyond the fitted range" whichever side it is on.
    /// </summary>
    public static double Beyond(double value, double lo, double hi) =>
        !(value > 0) ? double.PositiveInfinity : value > hi ? value / hi : value < lo ? lo / value : 1;
}
