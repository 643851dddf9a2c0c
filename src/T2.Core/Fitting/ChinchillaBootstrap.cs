using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;
using T2.Core.Statistics;

namespace T2.Core.Fitting;

/// <summary>Settings of the case-resampling bootstrap of the Chinchilla fit.</summary>
public sealed record BootstrapOptions
{
    public int Resamples { get; init; } = 1000;
    public int Seed { get; init; } = 0;
    /// <summary>Central interval mass, e.g. 0.95 → 2.5th and 97.5th percentiles.</summary>
    public double Level { get; init; } = 0.95;
    /// <summary>Training budgets at which N_opt, D_opt and D/N get intervals.</summary>
    public double[] Budgets { get; init; } = [];
    /// <summary>
    /// Start points per resample: null = the full-data optimum plus <see cref="InitGrid.Around"/> (27 starts);
    /// a test checks on Epoch resamples that this reaches the full 4,500-start grid's optimum.
    /// </summary>
    public double[][]? Starts { get; init; }
}

public sealed record BootstrapResult
{
    public required int Requested { get; init; }
    /// <summary>Resamples whose best start converged to a finite optimum (the rest are counted, never silently dropped).</summary>
    public required int Succeeded { get; init; }
    public required int Seed { get; init; }
    public required double Level { get; init; }
    public required IReadOnlyDictionary<string, Interval> Parameters { get; init; }
    public required IReadOnlyList<BudgetIntervals> Budgets { get; init; }
    /// <summary>Per-resample fitted laws (NaN law where the resample failed), in resample order.</summary>
    public required ChinchillaLaw[] Laws { get; init; }
    /// <summary>Replicates piled on E = 0, failed resamples.</summary>
    public required IReadOnlyList<Finding> Health { get; init; }
}

public sealed record BudgetIntervals(double Compute, Interval N, Interval D, Interval TokensPerParameter);

/// <summary>
/// Bootstrap over points (runs): each resample draws M points with replacement. A resample is represented as integer
/// weights on the original points (multiplicities), so no data are copied; resamples are drawn up front from one
/// seeded generator and fitted in parallel, so the result is identical for a seed whatever the thread count.
/// </summary>
public static class ChinchillaBootstrap
{
    public static BootstrapResult Run(double[] n, double[] d, double[] loss, ChinchillaFitOptions fitOptions,
        ChinchillaFitResult full, BootstrapOptions options)
    {
        if (options.Resamples < 1) throw new ArgumentOutOfRangeException(nameof(options), "Resamples must be ≥ 1.");
        Percentile.CheckLevel(options.Level);
        int m = n.Length, b = options.Resamples;
        var rng = new Random(options.Seed);
        var weights = new double[b][];
        var baseWeights = fitOptions.Weights;
        for (int r = 0; r < b; r++)
        {
            var w = new double[m];
            for (int i = 0; i < m; i++) w[rng.Next(m)] += 1;
            if (baseWeights is not null) for (int i = 0; i < m; i++) w[i] *= baseWeights[i];
            weights[r] = w;
        }
        double meanLogN = n.Average(Math.Log), meanLogD = d.Average(Math.Log);
        var starts = options.Starts ?? InitGrid.Around(full.X, meanLogN, meanLogD);
        var laws = new ChinchillaLaw[b];
        var ok = new bool[b];
        Parallel.For(0, b, () => (Lbfgs?)null, (r, _, solver) =>
        {
            var f = new ChinchillaObjective(n, d, loss, weights[r], fitOptions.Objective, fitOptions.HuberDelta);
            solver ??= new Lbfgs(5, Math.Max(fitOptions.Solver.Memory, fitOptions.Polish.Memory));
            OptimizeResult? best = null;
            foreach (var s in starts)
            {
                var res = solver.Minimize(f, s, fitOptions.Solver);
                if (double.IsFinite(res.F) && (best is null || res.F < best.F)) best = res;
            }
            if (best is not null) best = solver.Minimize(f, best.X, fitOptions.Polish);
            ok[r] = best is not null && double.IsFinite(best.F);
            laws[r] = ok[r] ? ChinchillaFit.ToLaw(best!.X) : new ChinchillaLaw(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
            return solver;
        }, _ => { });

        var good = laws.Where((_, i) => ok[i]).ToArray();
        Interval Iv(double est, Func<ChinchillaLaw, double> sel) => Percentile.Of(good.Select(sel), options.Level, est);
        var law = full.Law;
        var parameters = new Dictionary<string, Interval>
        {
            ["E"] = Iv(law.E, l => l.E), ["A"] = Iv(law.A, l => l.A), ["B"] = Iv(law.B, l => l.B),
            ["alpha"] = Iv(law.Alpha, l => l.Alpha), ["beta"] = Iv(law.Beta, l => l.Beta),
            ["a_opt"] = Iv(law.NExponent, l => l.NExponent), ["b_opt"] = Iv(law.DExponent, l => l.DExponent),
        };
        var budgets = options.Budgets.Select(c =>
        {
            var o = law.ComputeOptimal(c);
            return new BudgetIntervals(c,
                Iv(o.N, l => l.ComputeOptimal(c).N), Iv(o.D, l => l.ComputeOptimal(c).D),
                Iv(o.TokensPerParameter, l => l.ComputeOptimal(c).TokensPerParameter));
        }).ToList();
        return new BootstrapResult
        {
            Requested = b, Succeeded = good.Length, Seed = options.Seed, Level = options.Level,
            Parameters = parameters, Budgets = budgets, Laws = laws,
            Health = [.. HealthChecks.BootstrapFailures(good.Length, b), .. HealthChecks.BootstrapECollapsed(good.Select(l => l.E).ToArray(), loss.Min())],
        };
    }
}
