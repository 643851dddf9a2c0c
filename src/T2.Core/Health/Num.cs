using System.Globalization;

namespace T2.Core.Health;

/// <summary>Numbers in messages: a few significant digits, exponents written as "1.3e6" (never "1.3E+06").</summary>
public static class Num
{
    public static string G(double v, int digits = 4)
    {
        if (!double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        var s = v.ToString("G" + digits, CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e < 0) return s;
        int exp = int.Parse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return s[..e] + "e" + exp.ToString(CultureInfo.InvariantCulture);
    }
}
