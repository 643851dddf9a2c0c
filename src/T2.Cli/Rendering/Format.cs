using System.Globalization;

namespace T2.Cli.Rendering;

public static class Format
{
    /// <summary>Full round-trip precision (for parameters: rounding them biased Hoffmann et al.'s predictions).</summary>
    public static string Full(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Short human form: 4 significant digits, scientific when large or small.</summary>
    public static string Short(double v)
    {
        if (!double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        double a = Math.Abs(v);
        return a != 0 && (a >= 1e5 || a < 1e-3) ? v.ToString("0.###e+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
