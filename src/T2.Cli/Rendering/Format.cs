using System.Globalization;

namespace T2.Cli.Rendering;

public static class Format
{
    /// <summary>Full round-trip precision (for parameters: rounding them biased Hoffmann et al.'s predictions).</summary>
    public static string Full(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Compact form with <paramref name="digits"/> significant digits ("3.98e7", "1050", "0.313").</summary>
    public static string Sig(double v, int digits = 3)
    {
        if (!double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a != 0 && (a >= 1e4 || a < 1e-3))
        {
            int e = (int)Math.Floor(Math.Log10(a));
            double m = v / Math.Pow(10, e);
            if (Math.Abs(Math.Round(m, digits - 1)) >= 10) { m /= 10; e++; }
            return m.ToString("0." + new string('#', digits - 1), CultureInfo.InvariantCulture) + "e" + e.ToString(CultureInfo.InvariantCulture);
        }
        return double.Parse(v.ToString("G" + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).ToString("0.######", CultureInfo.InvariantCulture);
    }

    /// <summary>Short human form: 4 significant digits, scientific when large or small.</summary>
    public static string Short(double v)
    {
        if (!double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        if (v == 0) return "0"; // no "-0" (−log 1 is −0.0 in IEEE arithmetic)
        double a = Math.Abs(v);
        return a != 0 && (a >= 1e5 || a < 1e-3) ? v.ToString("0.###e+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
    }

    /// <summary>An accuracy as a percentage: one decimal from 10 % up, three significant digits below ("0.0169 %"), so a
    /// small accuracy never reads as 0 % (ratios of such accuracies are shown beside them).</summary>
    public static string Accuracy(double v)
    {
        if (!double.IsFinite(v)) return "—";
        double p = 100 * v;
        return (p == 0 || Math.Abs(p) >= 10 ? p.ToString("0.0", CultureInfo.InvariantCulture) : Sig(p, 3)) + " %";
    }

    /// <summary>A proportion that is not an accuracy (a relative error, a share) as a percentage with one decimal
    /// ("8.8 %", "-42.0 %", "112458.3 %"), "—" when undefined: the one formatter for such figures in every verb.</summary>
    public static string Percent(double v) =>
        double.IsFinite(v) ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

    /// <summary><see cref="Percent(double)"/> of an optional value.</summary>
    public static string Percent(double? v) => v is { } x ? Percent(x) : "—";
}
