namespace T2.Core.Health;

/// <summary>How much a finding should worry the reader: info (context), warn (a number to distrust), error (no answer).</summary>
public enum Severity { Info, Warn, Error }

/// <summary>
/// One health finding about a fit or a plan, computed in the core and carried as data into tables, JSON and fit files.
/// <see cref="Code"/> is stable (tests and scripts key on it); <see cref="Message"/> says what it means and what to do.
/// </summary>
public sealed record Finding(string Code, Severity Severity, string Message)
{
    /// <summary>The parameter concerned, when there is one (e.g. "E", "theta2").</summary>
    public string? Parameter { get; init; }
    /// <summary>The value that triggered the finding (a parameter value, a share, a gap…).</summary>
    public double? Value { get; init; }
    /// <summary>Which part of the fit it concerns ("stage1", "stage2", "bootstrap"; null for the fit as a whole).</summary>
    public string? Scope { get; init; }
}

public static class Findings
{
    /// <summary>The worst severity present (Info when there are none).</summary>
    public static Severity Worst(IEnumerable<Finding> findings)
    {
        var s = Severity.Info;
        foreach (var f in findings) if (f.Severity > s) s = f.Severity;
        return s;
    }

    public static bool AnyAtLeast(IEnumerable<Finding> findings, Severity severity) => findings.Any(f => f.Severity >= severity);

    public static string Name(Severity s) => s switch { Severity.Info => "info", Severity.Warn => "warn", _ => "error" };
}
