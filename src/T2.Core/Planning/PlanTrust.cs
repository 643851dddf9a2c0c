using T2.Core.Fitting;
using T2.Core.Health;

namespace T2.Core.Planning;

/// <summary>Factor by which each dimension lies beyond the range of the points the fit used (1 = inside it).</summary>
public sealed record Extrapolation(double N, double D, double TokensPerParameter, double K)
{
    public double Max => Math.Max(Math.Max(N, D), Math.Max(TokensPerParameter, K));
}

/// <summary>The largest move of a forecast when one at-bound parameter's bound is released (null parameter: none on a
/// bound, or only at physical limits).</summary>
public sealed record ReleasedShift(string? Parameter, double Shift);

/// <summary>
/// How far one planned or predicted point can be trusted, as data: extrapolation factors against the fit's own range, k &lt; 1
/// and what integer k did to the inference budget, an optimum at the edge of the search, the 1 % flat set, the spread of the
/// fit's statistically indistinguishable optima at this point, the fit's health, and a one-line verdict.
/// </summary>
public sealed record PlanTrust
{
    public required Extrapolation Extrapolation { get; init; }
    /// <summary>The budget allows fewer than one sample per query (k = C_inf/2N &lt; 1) before any rounding.</summary>
    public required bool KBelowOne { get; init; }
    /// <summary>2N·k / C_inf actually spent (1 = on budget; &gt; 1 when integer k raised k to 1); null without an inference budget.</summary>
    public double? InferenceBudgetFactor { get; init; }
    /// <summary>(6N(D + D_post) + Q·L·2N·k) / C_total actually spent under an end-to-end budget (&gt; 1 when the k ≥ 1 floor
    /// bought a sample the budget could not pay for); null without an end-to-end budget.</summary>
    public double? TotalBudgetFactor { get; init; }
    /// <summary>The point spends more than its budget (inference or end-to-end): it is no like-for-like comparison.</summary>
    public bool OverBudget => InferenceBudgetFactor is > 1 + 1e-9 || TotalBudgetFactor is > 1 + 1e-9;
    public required bool AtSearchEdge { get; init; }
    /// <summary>[N_min, N_max] within 1 % of the optimum's metric (null for points that are not optima).</summary>
    public double[]? FlatNWithin1Pct { get; init; }
    /// <summary>(max − min)/|median| of the prediction here across the fit's indistinguishable optima (null when unknown).</summary>
    public double? ValleySpread { get; init; }
    /// <summary>How far releasing an at-bound parameter's bound moves this forecast (null when the fit did not record it).</summary>
    public ReleasedShift? Released { get; init; }
    public required IReadOnlyList<Finding> Health { get; init; }
    public required string Verdict { get; init; }
    /// <summary>The worst severity among the health findings and this point's own flags.</summary>
    public required Severity Severity { get; init; }
}

public static class PlanTrustAssessor
{
    /// <summary>Extrapolation factors of (N, D, D/N, k) against a fit's range; k is ignored (factor 1) when the fit has none.</summary>
    public static Extrapolation Extrapolate(double n, double d, double k, FitRange r) => new(
        FitRange.Beyond(n, r.NMin, r.NMax), FitRange.Beyond(d, r.DMin, r.DMax), FitRange.Beyond(d / n, r.RatioMin, r.RatioMax),
        FitRange.Beyond(k, r.KMin, r.KMax));

    private static string G(double v) => Num.G(v, 3);

    /// <summary>Builds the trust record for one point.</summary>
    /// <param name="rawK">k before any rounding (C_inf/2N), to tell whether the budget allowed one sample at all.</param>
    /// <param name="cInf">The inference budget per token, when the plan has one.</param>
    /// <param name="totalSpend">Under an end-to-end budget: (FLOPs this point spends, the budget).</param>
    public static PlanTrust Assess(double n, double d, double k, double rawK, FitRange range, IReadOnlyList<Finding> health,
        double? cInf = null, bool atSearchEdge = false, double[]? flat = null, double? valleySpread = null, ReleasedShift? released = null,
        (double Spent, double Budget)? totalSpend = null)
    {
        // With the released optima known, parameters on bounds are judged at this point, not at the fit's reference point:
        // their fit-level findings give way to this point's shift.
        var judged = released is null ? health : health.Where(f => f.Code != "param_at_bound").ToList();
        bool boundMoves = released is { Parameter: not null } rs && rs.Shift > ForecastSensitivity.ForecastShift;
        var ex = Extrapolate(n, d, k, range);
        bool kBelow = rawK < 1;
        double? factor = cInf is { } ci && ci > 0 ? 2 * n * k / ci : null;
        double? total = totalSpend is { Budget: > 0 } ts ? ts.Spent / ts.Budget : null;
        var parts = new List<string>();
        var beyond = new List<(string Name, double F)> { ("N", ex.N), ("D", ex.D), ("D/N", ex.TokensPerParameter), ("k", ex.K) }
            .Where(p => p.F > 1 + 1e-9).OrderByDescending(p => p.F).ToList();
        if (beyond.Count > 0)
            parts.Add("extrapolates " + string.Join(", ", beyond.Select(p => $"{p.Name} {G(p.F)}×")) + " beyond the fitted data");
        if (kBelow) parts.Add($"k = {G(rawK)} < 1: the budget cannot pay for one sample per query");
        if (factor is > 1 + 1e-9) parts.Add($"integer k spends {G(factor.Value)}× the inference budget");
        if (total is > 1 + 1e-9)
            parts.Add($"k raised to {G(k)} costs {G(totalSpend!.Value.Spent)} FLOPs, {100 * (total.Value - 1):0.#} % over the end-to-end budget");
        if (atSearchEdge) parts.Add("optimum at the edge of the search range (the law has no interior optimum here)");
        if (flat is [var lo, var hi] && lo > 0 && hi / lo > 10) parts.Add($"flat: N within 1 % spans {G(hi / lo)}×");
        if (valleySpread is > HealthChecks.ValleySpread)
            parts.Add($"indistinguishable fits disagree by {100 * valleySpread.Value:0.#} % here");
        if (boundMoves) parts.Add($"releasing {released!.Parameter}'s bound moves this forecast by {100 * released.Shift:0.#} %");
        // One phrase per kind of finding; the macro's findings carry their task ("knowledge: stage1"), named once each.
        foreach (var g in judged.Where(f => f.Severity >= Severity.Warn).GroupBy(f => Short(Unscoped(f))))
        {
            var tasks = g.Select(f => TaskOf(f.Scope)).Where(t => t is not null).Distinct().ToList();
            parts.Add(tasks.Count == 0 ? g.Key : $"{g.Key} ({string.Join(", ", tasks)})");
        }
        var sev = Findings.Worst(judged);
        bool ownFlag = beyond.Any(p => p.F > 2) || kBelow || factor is > 1 + 1e-9 || total is > 1 + 1e-9 || atSearchEdge
            || valleySpread is > HealthChecks.ValleySpread || boundMoves;
        if (ownFlag && sev < Severity.Warn) sev = Severity.Warn;
        string verdict = parts.Count == 0 ? "inside the fitted range; the fit reports no warnings" : string.Join("; ", parts);
        return new PlanTrust
        {
            Extrapolation = ex, KBelowOne = kBelow, InferenceBudgetFactor = factor, TotalBudgetFactor = total, AtSearchEdge = atSearchEdge,
            FlatNWithin1Pct = flat, ValleySpread = valleySpread, Released = released, Health = health, Verdict = verdict, Severity = sev,
        };
    }

    // The macro task scopes each finding as "task" or "task: scope"; Short reads the inner scope, the verdict the task.
    private static string? TaskOf(string? scope) => scope is null ? null
        : scope.Contains(": ", StringComparison.Ordinal) ? scope[..scope.IndexOf(": ", StringComparison.Ordinal)]
        : scope is "stage1" or "stage2" or "bootstrap" or "beta_check" ? null : scope;

    private static Finding Unscoped(Finding f) => TaskOf(f.Scope) is null ? f
        : f with { Scope = f.Scope!.Contains(": ", StringComparison.Ordinal) ? f.Scope[(f.Scope.IndexOf(": ", StringComparison.Ordinal) + 2)..] : null };

    /// <summary>A finding in a few words for a verdict ("stage-1 E at its bound").</summary>
    public static string Short(Finding f)
    {
        string scope = f.Scope switch { "stage1" => "stage-1 ", "stage2" => "stage-2 ", "bootstrap" => "bootstrap ", "beta_check" => "", _ => "" };
        return f.Code switch
        {
            "param_at_bound" => $"{scope}{f.Parameter} at its bound",
            "param_at_grid_edge" => $"{scope}{f.Parameter} at the edge of its profile grid",
            "e_collapsed" => $"{scope}E collapsed to {G(f.Value ?? 0)}",
            "no_start_converged" => $"{scope}no start converged",
            "not_converged" => $"{scope}best start not converged",
            "gradient_above_tolerance" => $"{scope}gradient above tolerance",
            "failed_starts" => $"{scope}{100 * (f.Value ?? 0):0} % of starts failed",
            "too_few_observations" => $"{scope}no more observations than parameters",
            "few_observations" => $"{scope}fewer than 3 observations per parameter",
            "few_distinct_n" => $"{scope}fewer than 3 distinct N",
            "few_distinct_d" => $"{scope}fewer than 3 distinct D",
            "single_budget" => $"{scope}all points on one training budget",
            "flat_valley" => $"{scope}flat valley",
            "size_residuals" => $"{scope}largest N {(f.Value > 0 ? "over" : "under")}-predicted in sample",
            "bootstrap_on_bound" => $"bootstrap replicates of {f.Parameter} piled on a bound",
            "bootstrap_failures" => "bootstrap resamples failed",
            "beta_gap" => "Beta assumption off",
            "data_wall_published" => "data wall from published constants, not fitted here",
            _ => scope + f.Code,
        };
    }
}
