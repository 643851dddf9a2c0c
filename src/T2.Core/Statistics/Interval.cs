namespace T2.Core.Statistics;

/// <summary>A central percentile interval with the full-data point estimate (NaN bounds when no finite value was seen).</summary>
public sealed record Interval(double Estimate, double Lower, double Upper)
{
    public bool IsDegenerate => double.IsFinite(Lower) && Lower == Upper;
}

/// <summary>The one percentile/median helper: every interval in t2 goes through <see cref="Of"/>, which checks the level.</summary>
public static class Percentile
{
    /// <summary>Throws unless 0 &lt; level &lt; 1 (the level is the central mass, e.g. 0.95 → 2.5th and 97.5th percentiles).</summary>
    public static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1))
            throw new ArgumentOutOfRangeException(nameof(level), $"Level = {level} must lie strictly between 0 and 1 (e.g. 0.95).");
    }

    /// <summary>Linear-interpolation quantile of sorted values (numpy's default "linear" method); NaN for none.</summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        if (sorted.Length == 1) return sorted[0];
        double h = (sorted.Length - 1) * q;
        int i = (int)Math.Floor(h);
        if (i >= sorted.Length - 1) return sorted[^1];
        return sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
    }

    /// <summary>Median of the finite values (NaN for none).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        return Quantile(v, 0.5);
    }

    /// <summary>The central <paramref name="level"/> interval of the finite values, around <paramref name="estimate"/>.</summary>
    public static Interval Of(IEnumerable<double> values, double level, double estimate)
    {
        CheckLevel(level);
        var v = values.Where(double.IsFinite).Order().ToArray();
        double lo = (1 - level) / 2;
        return v.Length == 0 ? new Interval(estimate, double.NaN, double.NaN) : new Interval(estimate, Quantile(v, lo), Quantile(v, 1 - lo));
    }
}
