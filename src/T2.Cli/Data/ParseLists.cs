using System.Globalization;

namespace T2.Cli.Data;

/// <summary>Parses comma-separated numeric option values ("1,10,1e3").</summary>
public static class ParseLists
{
    /// <summary>A comma-separated list of names (trimmed, none empty).</summary>
    public static string[] Strings(string text, string flag)
    {
        var items = text.Split(',').Select(x => x.Trim()).ToArray();
        if (items.Length == 0 || items.Any(x => x.Length == 0)) throw new UsageException($"{flag} '{text}': expected comma-separated names.");
        return items;
    }

    public static double[] Doubles(string text, string flag)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException($"{flag}: expected a comma-separated list of numbers.");
        return parts.Select(p =>
            double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v : throw new UsageException($"{flag}: '{p}' is not a number.")).ToArray();
    }

    public static double Double(string text, string flag) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new UsageException($"{flag}: '{text}' is not a number.");

    /// <summary>A list of FLOP budgets: each finite, > 0 and within <see cref="T2.Core.Planning.Limits.MaxFlops"/>.</summary>
    public static double[] Flops(string text, string flag)
    {
        var v = Doubles(text, flag);
        foreach (var x in v)
            if (!(x > 0) || x > T2.Core.Planning.Limits.MaxFlops)
                throw new UsageException($"{flag}: {x:G4} must be > 0 and ≤ {T2.Core.Planning.Limits.MaxFlops:G0} FLOPs.");
        return v;
    }
}
