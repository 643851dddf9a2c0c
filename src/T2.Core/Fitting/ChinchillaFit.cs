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
        return Summarise(results, o, n.Length, starts.Length, varPro);
    }

    internal static ChinchillaFitResult Summarise(OptimizeResult[] results, ChinchillaFitOptions o, int points, int startsTried, double? varPro)
    {
        var (best, converged, failed, near) = MultiStart.Summary(results, o.NearBestTolerance);
        if (best < 0)
        {
            var nanLaw = new ChinchillaLaw(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
            return new ChinchillaFitResult
            {
                Law = nanLaw, X = [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN], Objective = double.NaN,
                ObjectiveKind = o.Objective, HuberDelta = o.HuberDelta, Points = points, GradientNorm = double.NaN,
                Converged = false, Reason = StopReason.NonFiniteStart, Iterations = 0, Evaluations = 0,
                StartsTried = startsTried, StartsConverged = converged, StartsFailed = failed, StartsNearBest = 0,
                BestObjectives = [], VarProObjective = varPro,
            };
        }
        var b = results[best];
        return new ChinchillaFitResult
        {
            Law = ToLaw(b.X),
            X = b.X,
            Objective = b.F,
            ObjectiveKind = o.Objective,
            HuberDelta = o.HuberDelta,
            Points = points,
            GradientNorm = b.ProjectedGradientNorm,
            Converged = b.Converged,
            Reason = b.Reason,
            Iterations = b.Iterations,
            Evaluations = b.Evaluations,
            StartsTried = startsTried,
            StartsConverged = converged,
            StartsFailed = failed,
            StartsNearBest = near,
            BestObjectives = MultiStart.DistinctBest(results, 5),
            VarProObjective = varPro,
        };
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
