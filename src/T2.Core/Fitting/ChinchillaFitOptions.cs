using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>Settings of the Chinchilla loss-law fit (t2-maths.md §3). Defaults reproduce Epoch's "replicate exactly" fit.</summary>
public sealed record ChinchillaFitOptions
{
    public LossObjective Objective { get; set; } = LossObjective.HuberLog;

    /// <summary>Huber threshold on log-loss residuals (HuberLog only). The loss is summed, never averaged.</summary>
    public double HuberDelta { get; set; } = 1e-3;

    /// <summary>Start points in (a, b, e, α, β); null means <see cref="InitGrid.Chinchilla"/> (4,500 starts).</summary>
    public double[][]? Starts { get; init; }

    /// <summary>Optional per-point weights (same length as the data); null = all 1.</summary>
    public double[]? Weights { get; init; }

    /// <summary>
    /// Search stage, run from every start: scipy L-BFGS-B's default stopping rules (ftol 2.2e-9, gtol 1e-5,
    /// 15,000 iterations), i.e. the search Hoffmann et al. and Epoch ran.
    /// </summary>
    public LbfgsOptions Solver { get; set; } = new() { MaxIterations = 15000, GradientTolerance = 1e-5, RelativeTolerance = 2.220446049250313e-9 };

    /// <summary>
    /// Polish stage: every start that ended within <see cref="PolishWindow"/> of the best is continued with tight
    /// tolerances, so the reported optimum is converged to full precision and the near-best count is meaningful.
    /// </summary>
    public LbfgsOptions Polish { get; set; } = new() { MaxIterations = 5000, GradientTolerance = 1e-11, RelativeTolerance = 1e-15 };

    /// <summary>Relative window (× max(1, |f*|)) above the search-stage best within which starts are polished.</summary>
    public double PolishWindow { get; set; } = 1e-5;

    /// <summary>Run starts in parallel (the result does not depend on it: each start is independent and the reduction is ordered).</summary>
    public bool Parallel { get; set; } = true;

    /// <summary>Starts whose objective is within this relative distance of the best count as "landed on the best".</summary>
    public double NearBestTolerance { get; set; } = 1e-9;
}

/// <summary>Initialisation grids in the LSE parameterisation x = (a, b, e, α, β).</summary>
public static class InitGrid
{
    /// <summary>Hoffmann et al.'s grid: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}: 4,500 points.</summary>
    public static double[][] Chinchilla()
    {
        var list = new List<double[]>(4500);
        for (int ia = 0; ia <= 5; ia++)
            for (int ib = 0; ib <= 5; ib++)
                for (int ie = -2; ie <= 2; ie++)
                    for (int ial = 0; ial <= 4; ial++)
                        for (int ibe = 0; ibe <= 4; ibe++)
                            list.Add([5.0 * ia, 5.0 * ib, 0.5 * ie, 0.5 * ial, 0.5 * ibe]);
        return list.ToArray();
    }

    /// <summary>Uniform random starts over the same box as the Chinchilla grid, from a seed.</summary>
    public static double[][] Random(int count, int seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "At least one start.");
        var rng = new Random(seed);
        var starts = new double[count][];
        for (int i = 0; i < count; i++)
            starts[i] = [25 * rng.NextDouble(), 25 * rng.NextDouble(), -1 + 2 * rng.NextDouble(), 2 * rng.NextDouble(), 2 * rng.NextDouble()];
        return starts;
    }

    /// <summary>
    /// A small grid around a known optimum, for bootstrap resamples: α, β ± 0.05, e ± 0.2, with a and b shifted
    /// so that A/N^α and B/D^β stay equal at the data's geometric-mean N and D (the ridge along which a and α trade).
    /// </summary>
    public static double[][] Around(ReadOnlySpan<double> x, double meanLogN, double meanLogD)
    {
        var list = new List<double[]>(27) { x.ToArray() };
        foreach (double dal in new[] { -0.05, 0, 0.05 })
            foreach (double dbe in new[] { -0.05, 0, 0.05 })
                foreach (double de in new[] { -0.2, 0, 0.2 })
                {
                    if (dal == 0 && dbe == 0 && de == 0) continue;
                    list.Add([x[0] + dal * meanLogN, x[1] + dbe * meanLogD, x[2] + de, x[3] + dal, x[4] + dbe]);
                }
        return list.ToArray();
    }
}
