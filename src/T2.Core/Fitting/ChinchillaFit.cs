using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>Fits the Chinchilla law L(N, D) = E + A/N^α + B/D^β to (N, D, L) points (t2-maths.md §3).</summary>
public static class ChinchillaFit
{
    public const int ParameterCount = 5;

    /// <summary>
    /// Multi-start L-BFGS over the LSE parameterisation; best kept. With the squared-error objective the
    /// variable-projection solver (<see cref="VariableProjection"/>) also runs and the better optimum wins;
    /// both objectives are reported so a disagreement is visible.
    /// </summary>
    public static ChinchillaFitResult Fit(ReadOnlySpan<double> n, ReadOnlySpan<double> d, ReadOnlySpan<double> loss,
        ChinchillaFitOptions? options = null)
    {
        var o = options ?? new ChinchillaFitOptions();
        Validate(n, d, loss, o.Weights);
        var nArr = n.ToArray(); var dArr = d.ToArray(); var lArr = loss.ToArray();
        var starts = o.Starts ?? InitGrid.Chinchilla();
        Func<Objective> factory = () => new ChinchillaObjective(nArr, dArr, lArr, o.Weights, o.Objective, o.HuberDelta);
        var results = MultiStart.RunAndPolish(factory, starts, o.Solver, o.Polish, o.PolishWindow, o.Parallel);

        double? varPro = null;
        if (o.Objective == LossObjective.SquaredError)
        {
            var vp = VariableProjection.Fit(nArr, dArr, lArr, o.Weights, o.Polish);
            varPro = vp.F;
            results = [.. results, vp];
        }
        var fit = Summarise(results, o, nArr, dArr, lArr, starts.Length, varPro);
        if (!fit.Health.Any(f => f.Code == "e_collapsed" || ForecastSensitivity.StopCodes.Contains(f.Code))) return fit;
        // Graded at the flat valley's point (10× the largest N and D): would the forecast change with E held at the collapse
        // threshold or above, or with the best start run on from where it stopped?
        var used = Enumerable.Range(0, nArr.Length).Where(i => o.Weights is null || o.Weights[i] > 0).ToArray();
        double nRef = 10 * used.Max(i => nArr[i]), dRef = 10 * used.Max(i => dArr[i]), forecast = fit.Law.Predict(nRef, dRef);
        string where = $"10× the largest N and D fitted (N = {Num.G(nRef, 3)}, D = {Num.G(dRef, 3)})";
        double Forecast(double[] v) => ToLaw(v).Predict(nRef, dRef);
        var health = fit.Health.ToList();
        if (health.Any(f => f.Code == "e_collapsed"))
        {
            double floor = Math.Log(HealthChecks.ECollapseFraction * used.Min(i => lArr[i]));
            var pinned = ForecastSensitivity.Reoptimise(factory, fit.X, null, null, 2, floor, double.PositiveInfinity, o.Polish);
            health = ForecastSensitivity.GradeCodes(health, ["e_collapsed"], pinned, Forecast, forecast, where,
                ForecastSensitivity.CollapseHow);
        }
        var ranOn = ForecastSensitivity.RunOn(health, factory, fit.X, null, null, Approach1Fit.RunOnSolver(o.Polish));
        return fit with
        {
            Health = ForecastSensitivity.GradeCodes(health, ForecastSensitivity.StopCodes, ranOn, Forecast, forecast, where,
                ForecastSensitivity.RunOnHow),
        };
    }

    internal static ChinchillaFitResult Summarise(OptimizeResult[] results, ChinchillaFitOptions o, double[] n, double[] d, double[] loss,
        int startsTried, double? varPro)
    {
        var used = Enumerable.Range(0, n.Length).Where(i => o.Weights is null || o.Weights[i] > 0).ToArray();
        var diag = MultiStart.Diagnose(results, startsTried, o.Solver.GradientTolerance, used.Length, ParameterCount, o.NearBestTolerance);
        int best = MultiStart.Best(results);
        var x = best < 0 ? [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN] : results[best].X;
        var law = ToLaw(x);
        var range = FitRange.Of(used.Select(i => n[i]).ToArray(), used.Select(i => d[i]).ToArray());
        return new ChinchillaFitResult
        {
            Law = law, X = x, Objective = best < 0 ? double.NaN : results[best].F, ObjectiveKind = o.Objective, HuberDelta = o.HuberDelta,
            Points = n.Length, Diagnostics = diag, VarProObjective = varPro, Range = range,
            Health = Assess(law, diag, used.Select(i => n[i]).ToArray(), used.Select(i => d[i]).ToArray(), used.Select(i => loss[i]).ToArray(), null),
        };
    }

    /// <summary>
    /// Health of a fitted loss law: convergence, failed starts, E collapsed, observations per parameter, distinct N and D,
    /// residuals at the largest N, and the flat valley at 10× the largest N and D seen.
    /// </summary>
    public static List<Finding> Assess(ChinchillaLaw law, MultiStartDiagnostics diag, double[] n, double[] d, double[] loss, string? scope)
    {
        var h = new List<Finding>();
        h.AddRange(HealthChecks.Convergence(diag, scope));
        h.AddRange(HealthChecks.FailedStarts(diag, scope));
        h.AddRange(HealthChecks.Observations(n.Length, ParameterCount, scope));
        h.AddRange(HealthChecks.DistinctSizes(n, d, scope));
        h.AddRange(HealthChecks.SingleBudget(n, d, scope));
        if (!double.IsFinite(law.E)) return h;
        h.AddRange(HealthChecks.ECollapsed(law.E, loss.Min(), scope));
        h.AddRange(HealthChecks.SizeResiduals(n, n.Select((v, i) => law.Predict(v, d[i])).ToArray(), loss, "loss", scope));
        double nRef = 10 * n.Max(), dRef = 10 * d.Max();
        h.AddRange(HealthChecks.FlatValley(diag.Valley.Select(x => ToLaw(x).Predict(nRef, dRef)).ToArray(),
            $"10× the largest N and D fitted (N = {Num.G(nRef, 3)}, D = {Num.G(dRef, 3)})", scope));
        return h;
    }

    /// <summary>(a, b, e, α, β) → the law.</summary>
    public static ChinchillaLaw ToLaw(ReadOnlySpan<double> x) => new(Math.Exp(x[2]), Math.Exp(x[0]), Math.Exp(x[1]), x[3], x[4]);

    /// <summary>The law → (a, b, e, α, β); a zero coefficient maps to log 1e-300 so it stays finite.</summary>
    public static double[] FromLaw(ChinchillaLaw law) =>
        [Math.Log(Math.Max(law.A, 1e-300)), Math.Log(Math.Max(law.B, 1e-300)), Math.Log(Math.Max(law.E, 1e-300)), law.Alpha, law.Beta];

    /// <summary>Checks every input and names the first offending index and field.</summary>
    public static void Validate(ReadOnlySpan<double> n, ReadOnlySpan<double> d, ReadOnlySpan<double> loss, double[]? weights)
    {
        if (n.Length != d.Length || n.Length != loss.Length)
            throw new ArgumentException($"N, D and loss must have equal lengths (got {n.Length}, {d.Length}, {loss.Length}).");
        if (weights is not null && weights.Length != n.Length)
            throw new ArgumentException($"weights has {weights.Length} entries for {n.Length} points.");
        int used = 0;
        for (int i = 0; i < n.Length; i++)
        {
            if (!(n[i] > 0) || !double.IsFinite(n[i])) throw new ArgumentException($"point {i}: N = {n[i]} must be finite and > 0.");
            if (!(d[i] > 0) || !double.IsFinite(d[i])) throw new ArgumentException($"point {i}: D = {d[i]} must be finite and > 0.");
            if (!(loss[i] > 0) || !double.IsFinite(loss[i])) throw new ArgumentException($"point {i}: loss = {loss[i]} must be finite and > 0.");
            if (weights is not null && (!(weights[i] >= 0) || !double.IsFinite(weights[i]))) throw new ArgumentException($"point {i}: weight = {weights[i]} must be finite and ≥ 0.");
            if (weights is null || weights[i] > 0) used++;
        }
        if (used < ParameterCount) throw new ArgumentException($"{used} points for {ParameterCount} parameters: the fit needs at least {ParameterCount}.");
    }
}
