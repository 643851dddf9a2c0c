using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>Settings of the Approach 1 fit (paper: squared error on NLL_k, L-BFGS-B, 500 restarts, best kept).</summary>
public sealed record Approach1FitOptions
{
    /// <summary>Random starts added to the 128-point grid (seeded); the paper uses 500 restarts in all.</summary>
    public int RandomStarts { get; set; } = 372;
    /// <summary>Include the 128-point grid (off for bootstrap resamples, which start from the full-data optimum instead).</summary>
    public bool UseGrid { get; set; } = true;
    public int Seed { get; set; } = 0;
    public LbfgsOptions Solver { get; set; } = new() { MaxIterations = 5000, GradientTolerance = 1e-8, RelativeTolerance = 1e-12 };
    public LbfgsOptions Polish { get; set; } = new() { MaxIterations = 5000, GradientTolerance = 1e-12, RelativeTolerance = 1e-15 };
    public double PolishWindow { get; set; } = 1e-6;
    public bool Parallel { get; set; } = true;
}

public sealed record Approach1FitResult
{
    public required Approach1Law Law { get; init; }
    /// <summary>The optimum in the fit's parameterisation (log A, log B, log E, α, β, log G, γ).</summary>
    public required double[] X { get; init; }
    public required double Objective { get; init; }
    public required int Observations { get; init; }
    public required MultiStartDiagnostics Diagnostics { get; init; }
    /// <summary>Range of the (N, D, k) observations actually fitted (non-finite NLL_k dropped).</summary>
    public required FitRange Range { get; init; }
    public required IReadOnlyList<Finding> Health { get; init; }
    /// <summary>The optimum re-found with each at-bound parameter's bound released (see <see cref="ForecastSensitivity"/>).</summary>
    public IReadOnlyList<ForecastSensitivity.Released> Released { get; init; } = [];
    public bool Converged => Diagnostics.Converged;
}

/// <summary>
/// Σ (L̂(N_i, D_i, k_i) − y_i)² over x = (log A, log B, log E, α, β, log G, γ), analytic gradient. Box bounds keep the
/// exponents in [0, 3] and the log-coefficients in [−30, 30] (E, A, B, G ≥ 0 by construction).
/// </summary>
public sealed class Approach1Objective : Objective
{
    private readonly double[] _logN, _logD, _logK, _y;

    public Approach1Objective(ReadOnlySpan<double> n, ReadOnlySpan<double> d, ReadOnlySpan<double> k, ReadOnlySpan<double> y)
    {
        _logN = new double[n.Length]; _logD = new double[n.Length]; _logK = new double[n.Length]; _y = y.ToArray();
        for (int i = 0; i < n.Length; i++) { _logN[i] = Math.Log(n[i]); _logD[i] = Math.Log(d[i]); _logK[i] = Math.Log(k[i]); }
    }

    public override int Dimension => 7;

    public override double Evaluate(ReadOnlySpan<double> x, Span<double> g)
    {
        double eE = Math.Exp(x[2]);
        double f = 0, ga = 0, gb = 0, ge = 0, gal = 0, gbe = 0, gg = 0, gga = 0;
        for (int i = 0; i < _y.Length; i++)
        {
            double pa = Math.Exp(x[0] - x[3] * _logN[i]);   // A/N^α
            double pb = Math.Exp(x[1] - x[4] * _logD[i]);   // B/D^β
            double pg = Math.Exp(x[5] - x[6] * _logK[i]);   // G/k^γ
            double r = eE + pa + pb + pg - _y[i];
            f += r * r;
            double c = 2 * r;
            ga += c * pa; gb += c * pb; ge += c * eE; gg += c * pg;
            gal -= c * pa * _logN[i]; gbe -= c * pb * _logD[i]; gga -= c * pg * _logK[i];
        }
        g[0] = ga; g[1] = gb; g[2] = ge; g[3] = gal; g[4] = gbe; g[5] = gg; g[6] = gga;
        return f;
    }
}

public static class Approach1Fit
{
    public static readonly double[] Lower = [-30, -30, -30, 0, 0, -30, 0];
    public static readonly double[] Upper = [30, 30, 30, 3, 3, 30, 3];
    public const int ParameterCount = 7;

    /// <summary>The box, coordinate by coordinate, for bound checks (log coordinates shown as their exponentials).</summary>
    public static readonly HealthChecks.Coordinate[] Coordinates =
    [
        new("A", Lower[0], Upper[0], true), new("B", Lower[1], Upper[1], true), new("E", Lower[2], Upper[2], true),
        new("alpha", Lower[3], Upper[3], false) { PhysicalLower = 0 }, new("beta", Lower[4], Upper[4], false) { PhysicalLower = 0 },
        new("G", Lower[5], Upper[5], true), new("gamma", Lower[6], Upper[6], false) { PhysicalLower = 0 },
    ];

    /// <summary>Fits one task's NLL_k observations (N_i, D_i, k_i, y_i).</summary>
    public static Approach1FitResult Fit(double[] n, double[] d, double[] k, double[] y, Approach1FitOptions? options = null, double[]? extraStart = null)
    {
        var o = options ?? new Approach1FitOptions();
        if (n.Length != d.Length || n.Length != k.Length || n.Length != y.Length) throw new ArgumentException("N, D, k and y must have equal lengths.");
        for (int i = 0; i < n.Length; i++)
            if (!(n[i] > 0) || !(d[i] > 0) || !(k[i] > 0) || !double.IsFinite(y[i]) || y[i] < 0)
                throw new ArgumentException($"observation {i}: N, D, k must be > 0 and NLL_k finite and ≥ 0 (N={n[i]}, D={d[i]}, k={k[i]}, y={y[i]}).");
        if (n.Length < ParameterCount) throw new ArgumentException($"{n.Length} observations for {ParameterCount} parameters: Approach 1 needs at least {ParameterCount}.");
        var starts = Starts(o.RandomStarts, o.Seed, o.UseGrid);
        if (extraStart is not null) starts = [extraStart, .. starts];
        var results = MultiStart.RunAndPolish(() => new Approach1Objective(n, d, k, y), starts, o.Solver, o.Polish, o.PolishWindow, o.Parallel, Lower, Upper);
        var diag = MultiStart.Diagnose(results, starts.Length, o.Solver.GradientTolerance, n.Length, ParameterCount);
        int best = MultiStart.Best(results);
        var x = best < 0 ? Enumerable.Repeat(double.NaN, ParameterCount).ToArray() : results[best].X;
        var law = ToLaw(x);
        var health = Assess(law, x, diag, n, d, k, y);
        // Parameters on a bound: released one at a time, graded by how far that moves the prediction at the valley's point.
        var released = best < 0 ? [] : ForecastSensitivity.Release(() => new Approach1Objective(n, d, k, y), x, Coordinates, Lower, Upper, o.Polish);
        var (nRef, dRef, kRef, where) = Reference(n, d, k);
        double Forecast(double[] v) => ToLaw(v).Predict(nRef, dRef, kRef);
        health = ForecastSensitivity.Grade(health, Coordinates, released, Forecast, law.Predict(nRef, dRef, kRef), where);
        // E collapsed: would the forecast change if E were held at the collapse threshold or above?
        if (health.Any(f => f.Code == "e_collapsed"))
        {
            double floor = Math.Log(HealthChecks.ECollapseFraction * y.Where(v => v > 0).Min());
            var pinned = ForecastSensitivity.Reoptimise(() => new Approach1Objective(n, d, k, y), x, Lower, Upper, 2, floor, Upper[2], o.Polish);
            health = ForecastSensitivity.GradeCodes(health, ["e_collapsed"], pinned, Forecast, law.Predict(nRef, dRef, kRef), where,
                ForecastSensitivity.CollapseHow);
        }
        // Stopped before converging: does running on from there move the forecast?
        var ranOn = ForecastSensitivity.RunOn(health, () => new Approach1Objective(n, d, k, y), x, Lower, Upper, RunOnSolver(o.Polish));
        health = ForecastSensitivity.GradeCodes(health, ForecastSensitivity.StopCodes, ranOn, Forecast, law.Predict(nRef, dRef, kRef), where,
            ForecastSensitivity.RunOnHow);
        return new Approach1FitResult
        {
            Law = law, X = x, Objective = best < 0 ? double.NaN : results[best].F, Observations = n.Length, Diagnostics = diag,
            Range = FitRange.Of(n, d, k), Released = released, Health = health,
        };
    }

    /// <summary>The run-on check's solver: the polish settings with four times the iterations.</summary>
    public static LbfgsOptions RunOnSolver(LbfgsOptions polish) => polish with { MaxIterations = 4 * polish.MaxIterations };

    /// <summary>Where the fit's own forecast is judged (flat valley, released bounds): 10× the largest N and D, largest k.</summary>
    public static (double N, double D, double K, string Where) Reference(double[] n, double[] d, double[] k)
    {
        double nRef = 10 * n.Max(), dRef = 10 * d.Max(), kRef = k.Max();
        return (nRef, dRef, kRef, $"10× the largest N and D fitted, largest k (N = {Num.G(nRef, 3)}, D = {Num.G(dRef, 3)}, k = {Num.G(kRef, 3)})");
    }

    /// <summary>Health of an Approach 1 fit (see <see cref="HealthChecks"/>); the flat valley is judged at 10× the largest N and D, largest k.</summary>
    public static List<Finding> Assess(Approach1Law law, double[] x, MultiStartDiagnostics diag, double[] n, double[] d, double[] k, double[] y)
    {
        var h = new List<Finding>();
        h.AddRange(HealthChecks.Convergence(diag));
        h.AddRange(HealthChecks.FailedStarts(diag));
        h.AddRange(HealthChecks.Observations(n.Length, ParameterCount));
        h.AddRange(HealthChecks.DistinctSizes(n, d));
        h.AddRange(HealthChecks.SingleBudget(n, d));
        if (!double.IsFinite(law.E)) return h;
        var bounds = HealthChecks.AtBounds(Coordinates, x).ToList();
        h.AddRange(bounds);
        if (!bounds.Any(f => f.Parameter == "E")) h.AddRange(HealthChecks.ECollapsed(law.E, y.Where(v => v > 0).DefaultIfEmpty(double.NaN).Min()));
        h.AddRange(HealthChecks.SizeResiduals(n, n.Select((v, i) => law.Predict(v, d[i], k[i])).ToArray(), y, "NLL_k"));
        var (nRef, dRef, kRef, where) = Reference(n, d, k);
        h.AddRange(HealthChecks.FlatValley(diag.Valley.Select(v => ToLaw(v).Predict(nRef, dRef, kRef)).ToArray(), where));
        return h;
    }

    public static Approach1Law ToLaw(ReadOnlySpan<double> x) => new(Math.Exp(x[2]), Math.Exp(x[0]), Math.Exp(x[1]), x[3], x[4], Math.Exp(x[5]), x[6]);

    /// <summary>A 2⁷ = 128-point grid plus seeded uniform random starts inside the box's plausible region.</summary>
    public static double[][] Starts(int random, int seed, bool grid = true)
    {
        var list = new List<double[]>();
        if (grid)
        foreach (var la in new[] { 2.0, 8.0 }) foreach (var lb in new[] { 2.0, 8.0 }) foreach (var le in new[] { -2.0, 0.5 })
        foreach (var al in new[] { 0.2, 0.6 }) foreach (var be in new[] { 0.2, 0.6 }) foreach (var lg in new[] { -1.0, 1.5 }) foreach (var ga in new[] { 0.1, 0.5 })
            list.Add([la, lb, le, al, be, lg, ga]);
        var rng = new Random(seed);
        for (int i = 0; i < random; i++)
            list.Add([rng.NextDouble() * 15 - 2, rng.NextDouble() * 15 - 2, rng.NextDouble() * 4 - 3, rng.NextDouble() * 1.5, rng.NextDouble() * 1.5,
                      rng.NextDouble() * 5 - 2, rng.NextDouble()]);
        return list.ToArray();
    }
}
