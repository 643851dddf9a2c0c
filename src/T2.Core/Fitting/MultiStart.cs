using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>Runs a local optimiser from many start points, in parallel, and keeps every start's outcome.</summary>
public static class MultiStart
{
    /// <summary>
    /// Minimise from each start. <paramref name="objectiveFactory"/> is called once per worker thread (objectives
    /// own scratch space). Results are returned in start order, so the reduction that follows is deterministic.
    /// </summary>
    public static OptimizeResult[] Run(Func<Objective> objectiveFactory, IReadOnlyList<double[]> starts, LbfgsOptions solver,
        bool parallel, double[]? lower = null, double[]? upper = null)
    {
        var results = new OptimizeResult[starts.Count];
        if (starts.Count == 0) return results;
        if (!parallel)
        {
            var f = objectiveFactory();
            var opt = new Lbfgs(f.Dimension, solver.Memory);
            for (int i = 0; i < starts.Count; i++) results[i] = opt.Minimize(f, starts[i], solver, lower, upper);
            return results;
        }
        int workers = Math.Min(Environment.ProcessorCount, starts.Count);
        int next = -1;
        System.Threading.Tasks.Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
        {
            var f = objectiveFactory();
            var opt = new Lbfgs(f.Dimension, solver.Memory);
            int i;
            while ((i = Interlocked.Increment(ref next)) < starts.Count)
                results[i] = opt.Minimize(f, starts[i], solver, lower, upper);
        });
        return results;
    }

    /// <summary>
    /// Two-stage multi-start: every start runs with <paramref name="search"/>; those that end within
    /// <paramref name="window"/> × max(1, |f*|) of the best are continued from their end point with <paramref name="polish"/>.
    /// Iterations and evaluations of both stages are summed in the returned results.
    /// </summary>
    public static OptimizeResult[] RunAndPolish(Func<Objective> factory, IReadOnlyList<double[]> starts, LbfgsOptions search,
        LbfgsOptions polish, double window, bool parallel, double[]? lower = null, double[]? upper = null)
    {
        var results = Run(factory, starts, search, parallel, lower, upper);
        int best = Best(results);
        if (best < 0) return results;
        double limit = results[best].F + window * Math.Max(1, Math.Abs(results[best].F));
        var idx = Enumerable.Range(0, results.Length).Where(i => double.IsFinite(results[i].F) && results[i].F <= limit).ToArray();
        var polished = Run(factory, idx.Select(i => results[i].X).ToArray(), polish, parallel, lower, upper);
        for (int j = 0; j < idx.Length; j++)
        {
            var first = results[idx[j]]; var second = polished[j];
            // Keep the polished point only if it is no worse (it never should be: L-BFGS is monotone).
            results[idx[j]] = second.F <= first.F
                ? second with { Iterations = first.Iterations + second.Iterations, Evaluations = first.Evaluations + second.Evaluations }
                : first;
        }
        return results;
    }

    /// <summary>
    /// Diagnostics over all starts (<paramref name="results"/> may hold extra solutions, e.g. variable projection, beyond the
    /// <paramref name="startsTried"/> starts). See <see cref="MultiStartDiagnostics"/> for each figure's definition.
    /// </summary>
    public static MultiStartDiagnostics Diagnose(OptimizeResult[] results, int startsTried, double gradientTolerance, int observations,
        int parameters, double nearTolerance = 1e-9, int valleyCap = 32)
    {
        int best = Best(results);
        int converged = results.Take(startsTried).Count(r => r.Converged);
        int failed = results.Take(startsTried).Count(r => !double.IsFinite(r.F) || r.Reason == StopReason.NonFiniteStart);
        if (best < 0) return MultiStartDiagnostics.Failed(startsTried, failed, gradientTolerance);
        var b = results[best];
        double tol = nearTolerance * Math.Max(1, Math.Abs(b.F));
        int near = results.Take(startsTried).Count(r => r.Converged && r.F - b.F <= tol);
        double window = observations > parameters ? Math.Abs(b.F) / (observations - parameters) : double.PositiveInfinity;
        var valley = new List<double[]>();
        foreach (var r in results.Where(r => double.IsFinite(r.F) && r.F - b.F <= window).OrderBy(r => r.F))
        {
            if (valley.Count == valleyCap) break;
            bool dup = valley.Any(v => MaxRelDiff(v, r.X) < 1e-6);
            if (!dup) valley.Add(r.X);
        }
        return new MultiStartDiagnostics
        {
            StartsTried = startsTried, StartsConverged = converged, StartsFailed = failed, StartsNearBest = near,
            Converged = b.Converged, Reason = b.Reason, GradientNorm = b.ProjectedGradientNorm, GradientTolerance = gradientTolerance,
            Iterations = b.Iterations, Evaluations = b.Evaluations, BestObjectives = DistinctBest(results, 5), Valley = [.. valley],
            ValleyWindow = window,
        };
    }

    private static double MaxRelDiff(double[] a, double[] b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]) / Math.Max(1, Math.Abs(a[i])));
        return m;
    }

    /// <summary>Index of the lowest finite objective (first in start order on ties); −1 when none is finite.</summary>
    public static int Best(OptimizeResult[] results)
    {
        int best = -1;
        for (int i = 0; i < results.Length; i++)
        {
            if (!double.IsFinite(results[i].F)) continue;
            if (best < 0 || results[i].F < results[best].F) best = i;
        }
        return best;
    }

    /// <summary>Up to <paramref name="count"/> distinct finite objectives, ascending (within 1e-9·max(1, |f|) = the same optimum).</summary>
    public static double[] DistinctBest(OptimizeResult[] results, int count)
    {
        var fs = results.Select(r => r.F).Where(double.IsFinite).Order().ToList();
        var outList = new List<double>();
        foreach (var f in fs)
        {
            if (outList.Count > 0 && Math.Abs(f - outList[^1]) <= 1e-9 * Math.Max(1, Math.Abs(outList[^1]))) continue;
            outList.Add(f);
            if (outList.Count == count) break;
        }
        return outList.ToArray();
    }
}
