using System.Globalization;

namespace T2.Cli.Data;

/// <summary>
/// The one parser of numbers given on the command line, single values and comma lists alike: invariant culture, no
/// thousands separator, finite; a refused value names the option and the text, with a hint when a decimal comma is the
/// likely cause ("2,5e5" is not 25e5, and in a list "1,5e12" is not 1.5e12).
/// </summary>
public static class ParseLists
{
    public const string PointHint = " (write decimals with a point: 0.5, not 0,5)";
    public const string ListPointHint = " (items are separated by commas: write decimals with a point, 1.5e12 not 1,5e12)";

    /// <summary>A comma-separated list of names (trimmed, none empty).</summary>
    public static string[] Strings(string text, string flag)
    {
        var items = text.Split(',').Select(x => x.Trim()).ToArray();
        if (items.Length == 0 || items.Any(x => x.Length == 0)) throw new UsageException($"{flag} '{text}': expected comma-separated names.");
        return items;
    }

    /// <summary>One number: finite, invariant, no thousands separator; whole numbers without a point or exponent.</summary>
    public static bool TryNumber(string text, bool whole, out double value)
    {
        var inv = CultureInfo.InvariantCulture;
        if (whole)
        {
            bool ok = long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out long l);
            value = l;
            return ok;
        }
        return double.TryParse(text, NumberStyles.Float, inv, out value) && double.IsFinite(value);
    }

    /// <summary>
    /// A comma list of numbers, each in [<paramref name="min"/>, <paramref name="max"/>]; null and the message of the first
    /// refused item otherwise (the option and the whole text named, so that a decimal comma shows).
    /// </summary>
    public static double[]? TryList(string text, string flag, double min, double max, bool whole, string unit, out string? error)
    {
        error = null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        string hint = parts.Length > 1 ? ListPointHint : "";
        if (text.Trim().Length == 0 || parts.Any(p => p.Length == 0))
        {
            error = $"{flag} '{text}': expected a comma-separated list of {(whole ? "whole numbers" : "numbers")}, none empty.";
            return null;
        }
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!TryNumber(parts[i], whole, out values[i]))
            {
                error = $"{flag} {text}: '{parts[i]}' is not {(whole ? "a whole number" : "a number")}{hint}.";
                return null;
            }
            if (!(values[i] >= min && values[i] <= max))
            {
                error = $"{flag} {text}: {parts[i]} must lie in [{G(min)}, {G(max)}]{(unit.Length > 0 ? " " + unit : "")}{hint}.";
                return null;
            }
        }
        return values;
    }

    private static string G(double v) => v.ToString(Math.Abs(v) >= 1e6 ? "0.###e0" : "G6", CultureInfo.InvariantCulture);

    /// <summary>The smallest training budget a plan can have: C = 6ND with N ≥ 1e3 (the planner's smallest model) and D ≥ 1.</summary>
    public const double MinTrainFlops = 6e3;
}
