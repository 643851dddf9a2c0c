using T2.Core.Optimization;

namespace T2.Core.Health;

/// <summary>
/// Does a finding matter for the forecast at hand? For a parameter on its box bound: The bound is released — moved out by the box's own width, but
/// never past the parameter's physical limit — and the fit re-optimised locally from its optimum. If the released optimum
/// moves the forecast by more than <see cref="ForecastShift"/>, the box, not the data, decides that forecast: a warning.
/// If not, the bound is the optimiser's business and the finding is information. A bound that is already the physical
/// limit (an exponent at 0, an accuracy ceiling at 1) cannot be released: information, with the valley spread and the
/// extrapolation left to say how far the forecast can be trusted. The same question graded for a collapsed E (refit with E
/// held at the collapse threshold) and for a best start that stopped before converging (run on from where it stopped).
/// </summary>
public static class ForecastSensitivity
{
    /// <summary>A released bound moving the forecast by more than this share (of the forecast) makes the finding a warning.</summary>
    public const double ForecastShift = 0.05;

    /// <summary>The optimum re-found with <see cref="Parameter"/>'s bound released, in the fit's parameterisation.</summary>
    public sealed record Released(string Parameter, double[] X);

    /// <summary>Every at-bound coordinate of <paramref name="x"/> released in turn (one at a time), each re-optimised locally.</summary>
    public static List<Released> Release(Func<Objective> factory, double[] x, IReadOnlyList<HealthChecks.Coordinate> coords,
        double[] lower, double[] upper, LbfgsOptions solver)
    {
        var list = new List<Released>();
        for (int i = 0; i < coords.Count; i++)
        {
            var c = coords[i];
            int side = HealthChecks.BoundSide(c, x[i]);
            if (side == 0 || AtPhysicalLimit(c, side)) continue;
            double width = upper[i] - lower[i];
            double[] lo = (double[])lower.Clone(), hi = (double[])upper.Clone();
            if (side < 0) lo[i] = c.PhysicalLower is { } pl ? Math.Max(pl, lower[i] - width) : lower[i] - width;
            else hi[i] = c.PhysicalUpper is { } pu ? Math.Min(pu, upper[i] + width) : upper[i] + width;
            var f = factory();
            var r = new Lbfgs(f.Dimension, solver.Memory).Minimize(f, x, solver, lo, hi);
            if (double.IsFinite(r.F) && r.X.All(double.IsFinite)) list.Add(new Released(c.Name, r.X));
        }
        return list;
    }

    /// <summary>
    /// The fit re-optimised locally from <paramref name="x"/> with coordinate <paramref name="i"/> held in [lo, hi] (the
    /// start projected into it): "what would the data say if this parameter were not where they put it?". Null when the
    /// re-optimisation fails. <paramref name="lower"/>/<paramref name="upper"/> null: the fit has no box.
    /// </summary>
    public static double[]? Reoptimise(Func<Objective> factory, double[] x, double[]? lower, double[]? upper, int i, double lo, double hi,
        LbfgsOptions solver)
    {
        int dim = x.Length;
        double[] l = lower is null ? Enumerable.Repeat(double.NegativeInfinity, dim).ToArray() : (double[])lower.Clone();
        double[] u = upper is null ? Enumerable.Repeat(double.PositiveInfinity, dim).ToArray() : (double[])upper.Clone();
        (l[i], u[i]) = (lo, hi);
        var start = (double[])x.Clone();
        start[i] = Math.Clamp(start[i], lo, hi);
        var f = factory();
        var r = new Lbfgs(f.Dimension, solver.Memory).Minimize(f, start, solver, l, u);
        return double.IsFinite(r.F) && r.X.All(double.IsFinite) ? r.X : null;
    }

    /// <summary>How each counterfactual fit is described in a graded finding's message.</summary>
    public const string RunOnHow = "Run on from where it stopped", CollapseHow = "Refitted with E held at the collapse threshold or above",
        GridHow = "Refitted with E free beyond its profile grid";

    /// <summary>The convergence findings a run-on can answer: the best start stopped on a rule other than convergence, or
    /// with a projected gradient above tolerance.</summary>
    public static readonly string[] StopCodes = ["not_converged", "gradient_above_tolerance"];

    /// <summary>
    /// The findings with one of <paramref name="codes"/> graded against one forecast by a counterfactual fit
    /// (<paramref name="alternative"/>: the fit run on from where it stopped, refitted with E held at the collapse
    /// threshold, or with E free of its profile grid — <paramref name="how"/> says which): a warning when it moves the
    /// forecast by more than <see cref="ForecastShift"/>, information otherwise. Without an alternative, the findings stand.
    /// </summary>
    public static List<Finding> GradeCodes(IEnumerable<Finding> findings, string[] codes, double[]? alternative, Func<double[], double> predict,
        double forecast, string where, string how) =>
        findings.Select(f => !codes.Contains(f.Code) || alternative is null ? f : Graded(f, forecast, predict(alternative), where, how)).ToList();

    /// <summary>The finding as a warning when <paramref name="alternative"/> moves <paramref name="forecast"/> by more than
    /// <see cref="ForecastShift"/>, else as information; its message says by how much, at which point, and why.</summary>
    private static Finding Graded(Finding f, double forecast, double alternative, string where, string how)
    {
        double shift = LargestShift(forecast, [("", alternative)])?.Shift ?? double.PositiveInfinity;
        bool moves = !(shift <= ForecastShift);
        return f with
        {
            Severity = moves ? Severity.Warn : Severity.Info,
            Message = f.Message + $" {how}, the prediction at {where} moves by {Num.G(100 * shift, 3)} % — " +
                (moves ? $"above {100 * ForecastShift:0} %: this decides forecasts there." : $"within {100 * ForecastShift:0} %: it does not decide that forecast."),
        };
    }

    /// <summary>The best start run on from <paramref name="x"/> with <paramref name="solver"/> in the fit's box (null when
    /// it fails, or when no finding asks for it).</summary>
    public static double[]? RunOn(IReadOnlyList<Finding> health, Func<Objective> factory, double[] x, double[]? lower, double[]? upper,
        LbfgsOptions solver, string? scope = null)
    {
        if (!health.Any(f => StopCodes.Contains(f.Code) && f.Scope == scope) || !x.All(double.IsFinite)) return null;
        var f = factory();
        var r = new Lbfgs(f.Dimension, solver.Memory).Minimize(f, x, solver, lower ?? default, upper ?? default);
        return double.IsFinite(r.F) && r.X.All(double.IsFinite) ? r.X : null;
    }

    /// <summary>Whether the bound <paramref name="c"/> sits on (−1 lower, +1 upper) is its physical limit.</summary>
    public static bool AtPhysicalLimit(HealthChecks.Coordinate c, int side) =>
        side < 0 ? c.PhysicalLower is { } pl && c.Lower <= pl : side > 0 && c.PhysicalUpper is { } pu && c.Upper >= pu;

    /// <summary>|forecast(released) − forecast| / |forecast|, the largest over the released optima (null when none).</summary>
    public static (string Parameter, double Shift)? LargestShift(double forecast, IEnumerable<(string Parameter, double Forecast)> released)
    {
        (string, double)? worst = null;
        foreach (var (p, v) in released)
        {
            if (!double.IsFinite(v) || !double.IsFinite(forecast)) continue;
            double s = Math.Abs(v - forecast) / Math.Max(Math.Abs(forecast), 1e-300);
            if (worst is null || s > worst.Value.Item2) worst = (p, s);
        }
        return worst;
    }

    /// <summary>
    /// The param_at_bound findings graded against one forecast (<paramref name="where"/> says which): a warning when
    /// releasing the parameter's bound moves <paramref name="forecast"/> by more than <see cref="ForecastShift"/>,
    /// information otherwise or when the bound is a physical limit. A bound not released (no optimum given for it) and
    /// other findings pass through unchanged.
    /// </summary>
    public static List<Finding> Grade(IEnumerable<Finding> findings, IReadOnlyList<HealthChecks.Coordinate> coords,
        IReadOnlyList<Released> released, Func<double[], double> predict, double forecast, string where)
    {
        var list = new List<Finding>();
        foreach (var f in findings)
        {
            if (f.Code != "param_at_bound" || coords.FirstOrDefault(c => c.Name == f.Parameter) is not { } c) { list.Add(f); continue; }
            if (AtPhysicalLimit(c, f.Value is { } v && c.Log ? HealthChecks.BoundSide(c, Math.Log(v)) : HealthChecks.BoundSide(c, f.Value ?? double.NaN)))
            {
                list.Add(f with
                {
                    Severity = Severity.Info,
                    Message = f.Message + " It is the parameter's physical limit, so it cannot be released: the valley spread and the " +
                        "extrapolation say how far forecasts can be trusted.",
                });
                continue;
            }
            if (released.FirstOrDefault(r => r.Parameter == c.Name) is not { } rel) { list.Add(f); continue; } // not released
            list.Add(Graded(f, forecast, predict(rel.X), where, "Released (the bound moved out by the box's width)"));
        }
        return list;
    }
}
