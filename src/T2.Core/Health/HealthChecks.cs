using T2.Core.Optimization;

namespace T2.Core.Health;

/// <summary>
/// The individual health checks every fit runs (loss law, Approach 1, Approach 2 stages 1 and 2, bootstraps). Each returns
/// zero or more findings; the thresholds are stated in the messages and as constants here, never tuned per data set.
/// </summary>
public static class HealthChecks
{
    /// <summary>A parameter within this fraction of its box's width (at least 1e−9 absolute) counts as on the bound.</summary>
    public const double BoundTolerance = 1e-6;
    /// <summary>E below this fraction of the smallest observed loss has collapsed (the law's floor is not identified).</summary>
    public const double ECollapseFraction = 1e-3;
    /// <summary>More than this share of starts not converging is worth a warning.</summary>
    public const double FailedStartShare = 0.2;
    /// <summary>Fewer observations than this per parameter: the fit is barely determined.</summary>
    public const double ObservationsPerParameter = 3;
    /// <summary>Relative spread (max − min)/|median| of statistically indistinguishable optima's predictions that flags a flat valley.</summary>
    public const double ValleySpread = 0.05;
    /// <summary>Share of bootstrap replicates on a bound that counts as "piled on the bound".</summary>
    public const double BootstrapBoundShare = 0.25;
    /// <summary>Bootstrap replicates failing beyond this share are reported.</summary>
    public const double BootstrapFailureShare = 0.1;
    /// <summary>Worst |Acc_k(Beta) − Acc_k(observed)| of the per-checkpoint Beta check above which the Beta assumption is in doubt.</summary>
    public const double BetaGap = 0.05;

    private static string G(double v) => Num.G(v);

    /// <summary>One box-constrained coordinate: its name, its value in the fit's parameterisation and how to show it, and the
    /// physical limits (in the same parameterisation) that no release of a bound may cross (an exponent ≥ 0, a ceiling ≤ 1).</summary>
    public sealed record Coordinate(string Name, double Lower, double Upper, bool Log)
    {
        public double? PhysicalLower { get; init; }
        public double? PhysicalUpper { get; init; }
    }

    /// <summary>Whether <paramref name="x"/> sits on a bound of <paramref name="c"/>: −1 lower, +1 upper, 0 neither.</summary>
    public static int BoundSide(Coordinate c, double x)
    {
        if (c.Lower == c.Upper || !double.IsFinite(x)) return 0;
        double tol = Math.Max(1e-9, BoundTolerance * (c.Upper - c.Lower));
        return x <= c.Lower + tol ? -1 : x >= c.Upper - tol ? 1 : 0;
    }

    /// <summary>Parameters on (within <see cref="BoundTolerance"/> of) a bound of the optimiser's box.</summary>
    public static IEnumerable<Finding> AtBounds(IReadOnlyList<Coordinate> coords, ReadOnlySpan<double> x, string? scope = null)
    {
        var list = new List<Finding>();
        for (int i = 0; i < coords.Count; i++)
        {
            var c = coords[i];
            int side = BoundSide(c, x[i]); // 0 also for a fixed coordinate (a profiled E) and a failed fit
            if (side == 0) continue;
            bool lo = side < 0;
            double bound = lo ? c.Lower : c.Upper;
            double shown = c.Log ? Math.Exp(x[i]) : x[i];
            string b = c.Log ? $"e^{G(bound)} = {G(Math.Exp(bound))}" : G(bound);
            list.Add(new Finding("param_at_bound", Severity.Warn,
                $"{c.Name} = {G(shown)} sits on its {(lo ? "lower" : "upper")} bound ({b}): the data do not pin it, so the optimum is the box's, " +
                "not the data's; predictions that lean on it are not supported.")
            { Parameter = c.Name, Value = shown, Scope = scope });
        }
        return list;
    }

    /// <summary>A profiled parameter whose best value is the first or last of its grid: the true optimum may lie beyond.</summary>
    public static IEnumerable<Finding> AtGridEdge(string name, IReadOnlyList<double> grid, IReadOnlyList<double> objective, string? scope = null)
    {
        int arg = -1;
        for (int i = 0; i < objective.Count; i++)
            if (double.IsFinite(objective[i]) && (arg < 0 || objective[i] < objective[arg])) arg = i;
        if (arg < 0 || grid.Count < 2 || (arg != 0 && arg != grid.Count - 1)) return [];
        bool top = arg == grid.Count - 1;
        return [new Finding("param_at_grid_edge", Severity.Warn,
            $"{name} = {G(grid[arg])} is the {(top ? "largest" : "smallest")} value of its {grid.Count}-point profile grid " +
            $"[{G(grid[0])}, {G(grid[^1])}]: the best {name} may lie beyond the grid, so the law is the grid's choice.")
            { Parameter = name, Value = grid[arg], Scope = scope }];
    }

    /// <summary>The irreducible loss E collapsed towards 0 (below <see cref="ECollapseFraction"/> of the smallest observed loss).</summary>
    public static IEnumerable<Finding> ECollapsed(double e, double minObserved, string? scope = null)
    {
        if (!double.IsFinite(e) || !(minObserved > 0) || e >= ECollapseFraction * minObserved) return [];
        return [new Finding("e_collapsed", Severity.Warn,
            $"E = {G(e)} is below {G(ECollapseFraction)} × the smallest observed loss ({G(minObserved)}): the floor is not identified " +
            "and the power-law terms absorb it, so A, B and the exponents (and every extrapolation) trade against a floor of zero.")
            { Parameter = "E", Value = e, Scope = scope }];
    }

    /// <summary>The best start did not converge, or stopped with a projected gradient above tolerance; or no start converged.</summary>
    public static IEnumerable<Finding> Convergence(MultiStartDiagnostics d, string? scope = null)
    {
        var list = new List<Finding>();
        if (d.StartsConverged == 0)
            list.Add(new Finding("no_start_converged", Severity.Error,
                $"none of {d.StartsTried} starts converged; the reported point is the best non-converged one ({d.Reason}).") { Scope = scope });
        else if (!d.Converged)
            list.Add(new Finding("not_converged", Severity.Warn,
                $"the best start stopped on {d.Reason} after {d.Iterations} iterations, not on a convergence rule: the optimum may not be reached. " +
                "Raise the iteration cap or check the data for a degenerate direction.") { Scope = scope, Value = d.GradientNorm });
        if (double.IsFinite(d.GradientNorm) && d.GradientNorm > d.GradientTolerance)
            list.Add(new Finding("gradient_above_tolerance", Severity.Warn,
                $"the best start's projected gradient {G(d.GradientNorm)} exceeds the tolerance {G(d.GradientTolerance)}: it stopped on a slow " +
                "decrease, not at a stationary point.") { Scope = scope, Value = d.GradientNorm });
        return list;
    }

    /// <summary>More than <see cref="FailedStartShare"/> of starts did not converge (non-finite, iteration cap, line search).</summary>
    public static IEnumerable<Finding> FailedStarts(MultiStartDiagnostics d, string? scope = null)
    {
        if (d.StartsTried == 0) return [];
        double share = 1 - (double)d.StartsConverged / d.StartsTried;
        if (share <= FailedStartShare) return [];
        return [new Finding("failed_starts", Severity.Warn,
            $"{d.StartsTried - d.StartsConverged} of {d.StartsTried} starts ({100 * share:0} %) did not converge ({d.StartsFailed} non-finite): " +
            $"above {100 * FailedStartShare:0} %, the surface is rough or the box too wide, and the best start may be luck.")
            { Scope = scope, Value = share }];
    }

    /// <summary>Error when there are no more observations than parameters; warn below <see cref="ObservationsPerParameter"/> per parameter.</summary>
    public static IEnumerable<Finding> Observations(int observations, int parameters, string? scope = null)
    {
        if (observations <= parameters)
            return [new Finding("too_few_observations", Severity.Error,
                $"{observations} observations for {parameters} parameters: the law interpolates its data exactly and its parameters are arbitrary.")
                { Scope = scope, Value = observations }];
        if (observations < ObservationsPerParameter * parameters)
            return [new Finding("few_observations", Severity.Warn,
                $"{observations} observations for {parameters} parameters (fewer than {G(ObservationsPerParameter)} per parameter): " +
                "the fit is barely determined; expect wide intervals and fragile extrapolation.") { Scope = scope, Value = observations }];
        return [];
    }

    /// <summary>Fewer than 3 distinct N or D: a power law in that variable is not identified.</summary>
    public static IEnumerable<Finding> DistinctSizes(IEnumerable<double> n, IEnumerable<double> d, string? scope = null)
    {
        var list = new List<Finding>();
        int dn = n.Distinct().Count(), dd = d.Distinct().Count();
        if (dn < 3) list.Add(new Finding("few_distinct_n", Severity.Warn,
            $"only {dn} distinct model size(s) N: the exponent α and coefficient A are not identified (a power law needs at least 3).")
            { Scope = scope, Value = dn });
        if (dd < 3) list.Add(new Finding("few_distinct_d", Severity.Warn,
            $"only {dd} distinct token count(s) D: the exponent β and coefficient B are not identified (a power law needs at least 3).")
            { Scope = scope, Value = dd });
        return list;
    }

    /// <summary>
    /// Every point on (nearly) one training budget C = 6ND: log N and log D are then collinear, so A/N^α and B/D^β cannot be
    /// told apart (an isoFLOP slice alone does not identify a Chinchilla law). Flags a spread of log10 C below 0.1 decade.
    /// </summary>
    public static IEnumerable<Finding> SingleBudget(IReadOnlyList<double> n, IReadOnlyList<double> d, string? scope = null)
    {
        if (n.Count < 2) return [];
        var c = n.Select((v, i) => Math.Log10(6 * v * d[i])).ToArray();
        double spread = c.Max() - c.Min();
        if (spread >= 0.1) return [];
        return [new Finding("single_budget", Severity.Warn,
            $"all {n.Count} points lie within {G(spread)} decade of one training budget (C ≈ {G(Math.Pow(10, c.Average()))} FLOPs): N and D move " +
            "together, so the N and D terms are not separately identified and the compute-optimal split is a guess.") { Scope = scope, Value = spread }];
    }

    /// <summary>
    /// Statistically indistinguishable optima (objective within one residual's share of the best, see
    /// <see cref="MultiStartDiagnostics.Valley"/>) that disagree in what they predict at a reference point.
    /// </summary>
    public static IEnumerable<Finding> FlatValley(IReadOnlyList<double> predictions, string where, string? scope = null)
    {
        var v = predictions.Where(double.IsFinite).Order().ToArray();
        if (RelativeSpread(v) is not { } spread || !(spread > ValleySpread)) return [];
        return [new Finding("flat_valley", Severity.Warn,
            $"{v.Length} statistically indistinguishable optima predict {G(v[0])} to {G(v[^1])} at {where} " +
            $"(spread {100 * spread:0.#} % of the median, above {100 * ValleySpread:0} %): the data do not decide between them there.")
            { Scope = scope, Value = spread }];
    }

    /// <summary>(max − min)/|median| of the finite values; null for fewer than two.</summary>
    public static double? RelativeSpread(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length < 2) return null;
        return (v[^1] - v[0]) / Math.Max(Math.Abs(v[v.Length / 2]), 1e-300);
    }

    /// <summary>
    /// Systematic residuals by size: the largest N's points share one sign (≥ 75 %) and their mean relative residual exceeds
    /// the whole fit's RMS relative residual. The top of the ladder is what extrapolation leans on.
    /// </summary>
    public static IEnumerable<Finding> SizeResiduals(IReadOnlyList<double> n, IReadOnlyList<double> predicted, IReadOnlyList<double> observed,
        string metric, string? scope = null)
    {
        var rel = new List<(double N, double R)>();
        for (int i = 0; i < n.Count; i++)
            if (observed[i] != 0 && double.IsFinite(observed[i]) && double.IsFinite(predicted[i]))
                rel.Add((n[i], (predicted[i] - observed[i]) / Math.Abs(observed[i])));
        if (rel.Count < 4) return [];
        double top = rel.Max(r => r.N);
        var g = rel.Where(r => r.N == top).Select(r => r.R).ToArray();
        if (g.Length < 2 || g.Length == rel.Count) return [];
        double rms = Math.Sqrt(rel.Average(r => r.R * r.R)), mean = g.Average();
        double sameSign = Math.Max(g.Count(r => r > 0), g.Count(r => r < 0)) / (double)g.Length;
        if (!(sameSign >= 0.75 && Math.Abs(mean) > rms)) return [];
        // A systematic miss smaller than a forecast shift that matters (ForecastSensitivity.ForecastShift) is information: the
        // pattern is real, but it moves predictions at the top of the ladder by less than 5 % (an exact fit's 1e−10 included).
        bool material = Math.Abs(mean) > ForecastSensitivity.ForecastShift;
        return [new Finding("size_residuals", material ? Severity.Warn : Severity.Info,
            $"the largest model size (N = {G(top)}, {g.Length} points) is {(mean > 0 ? "over" : "under")}-predicted by {G(100 * Math.Abs(mean))} % " +
            $"on average in sample ({metric}; whole-fit RMS {G(100 * rms)} %): the law bends away from the data at the top of the ladder" +
            (material ? ", so extrapolation in N is suspect." : $"; below {100 * ForecastSensitivity.ForecastShift:0} %, too little to move a forecast."))
            { Scope = scope, Value = mean }];
    }

    /// <summary>More than <see cref="BootstrapFailureShare"/> of the requested resamples could not be fitted.</summary>
    public static IEnumerable<Finding> BootstrapFailures(int succeeded, int requested, string? scope = "bootstrap")
    {
        if (requested <= 0) return [];
        double failed = 1 - (double)succeeded / requested;
        if (!(failed > BootstrapFailureShare)) return [];
        return [new Finding("bootstrap_failures", Severity.Warn,
            $"{requested - succeeded} of {requested} bootstrap resamples failed ({100 * failed:0} %): the intervals describe the resamples " +
            "that could be fitted, which biases them towards well-behaved data.") { Scope = scope, Value = failed }];
    }

    /// <summary>Bootstrap replicates whose E collapsed (for laws without a box: the loss law and the Huber stage 1).</summary>
    public static IEnumerable<Finding> BootstrapECollapsed(IReadOnlyList<double> replicateE, double minObserved, string? scope = "bootstrap")
    {
        if (replicateE.Count == 0) return [];
        int on = replicateE.Count(e => e < ECollapseFraction * minObserved);
        double share = (double)on / replicateE.Count;
        if (share <= BootstrapBoundShare) return [];
        return [new Finding("bootstrap_on_bound", Severity.Warn,
            $"{on} of {replicateE.Count} bootstrap replicates ({100 * share:0} %) have E collapsed below {G(ECollapseFraction)} × the smallest " +
            "observed loss: the interval of E (and of what depends on it) is not an uncertainty.") { Parameter = "E", Value = share, Scope = scope }];
    }

    /// <summary>The per-checkpoint Beta check's worst gap above <see cref="BetaGap"/>: Approach 2's Beta assumption is in doubt.</summary>
    public static IEnumerable<Finding> BetaCheck(double worstGap, string checkpoint, double atK, string? scope = null)
    {
        if (!(worstGap > BetaGap)) return [];
        return [new Finding("beta_gap", Severity.Warn,
            $"the Beta check's worst gap |Acc_k(Beta) − Acc_k(observed)| is {G(worstGap)} ({checkpoint} at k = {G(atK)}), above {G(BetaGap)}: " +
            "per-question difficulty is not Beta-shaped there, so Approach 2's pass@k curve is biased.") { Value = worstGap, Scope = scope }];
    }

    /// <summary>
    /// Bootstrap health from the replicates' own findings: a parameter that sits on a bound or a grid edge (param_at_bound,
    /// param_at_grid_edge, e_collapsed) in more than <see cref="BootstrapBoundShare"/> of the replicates; and failed resamples.
    /// </summary>
    public static IEnumerable<Finding> BootstrapReplicates(IReadOnlyList<IReadOnlyList<Finding>> replicateHealth, int requested, string scope)
    {
        var list = BootstrapFailures(replicateHealth.Count, requested, scope).ToList();
        if (replicateHealth.Count == 0) return list;
        var onEdge = replicateHealth
            .SelectMany(h => h.Where(f => f.Code is "param_at_bound" or "param_at_grid_edge" or "e_collapsed" && f.Parameter is not null)
                .Select(f => (f.Scope, f.Parameter!)).Distinct())
            .GroupBy(p => p).Select(g => (Key: g.Key, Count: g.Count()));
        foreach (var (key, count) in onEdge.OrderBy(g => g.Key.Item2, StringComparer.Ordinal))
        {
            double share = (double)count / replicateHealth.Count;
            if (share <= BootstrapBoundShare) continue;
            string where = key.Item1 is null ? "" : $" ({key.Item1})";
            list.Add(new Finding("bootstrap_on_bound", Severity.Warn,
                $"{count} of {replicateHealth.Count} bootstrap replicates ({100 * share:0} %) have {key.Item2}{where} on a bound or grid edge: its " +
                "interval is the box's edge, not an uncertainty (a degenerate interval such as [x, x] says the same).")
                { Parameter = key.Item2, Value = share, Scope = scope });
        }
        return list;
    }
}
