using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;
using T2.Core.Special;

namespace T2.Core.Fitting;

/// <summary>How stage 1 (the Chinchilla law on k = 1 NLL) is fitted.</summary>
public enum Stage1Method
{
    /// <summary>The paper's: E profiled over 40 values in [0.01, 0.95]·min NLL; weighted squared error; random restarts for the rest.</summary>
    EProfile,
    /// <summary>The Chinchilla/Epoch fit: Huber on log residuals, 4,500-point grid, E free.</summary>
    HuberLog,
}

public sealed record Approach2FitOptions
{
    public Stage1Method Stage1 { get; set; } = Stage1Method.EProfile;
    public int ProfilePoints { get; set; } = 40;
    /// <summary>Random restarts over (log A, log B, α, β) per profiled E value (paper: 50+).</summary>
    public int RestartsPerE { get; set; } = 60;
    /// <summary>Width of an isoFLOP group in decades of C = 6ND, for the inverse-variance weights (t2's reading).</summary>
    public double IsoFlopBinDecades { get; set; } = 0.5;
    public bool InverseVarianceWeights { get; set; } = true;
    public int Seed { get; set; } = 0;
    public LbfgsOptions Solver { get; set; } = new() { MaxIterations = 3000, GradientTolerance = 1e-9, RelativeTolerance = 1e-12 };
    public LbfgsOptions Polish { get; set; } = new() { MaxIterations = 3000, GradientTolerance = 1e-12, RelativeTolerance = 1e-15 };
    public bool Parallel { get; set; } = true;
    /// <summary>Stage-2 starts: the best sigmoid seeds × this θ3 grid × this θ4 grid.</summary>
    public double[] Theta3Grid { get; set; } = [-4, -2, 0, 2, 4];
    public double[] Theta4Grid { get; set; } = [-1, -0.3, 0, 0.3, 1];
    public int SigmoidSeeds { get; set; } = 4;
}

public sealed record Stage1Result
{
    public required ChinchillaLaw Law { get; init; }
    public required double Objective { get; init; }
    /// <summary>The profiled E values and the best objective at each (empty for the Huber stage 1).</summary>
    public required double[] ProfileE { get; init; }
    public required double[] ProfileObjective { get; init; }
    public required double[] Weights { get; init; }
    /// <summary>Starts over the whole profile (every E value), and how many converged.</summary>
    public required int StartsTried { get; init; }
    public required int StartsConverged { get; init; }
    public required string Method { get; init; }
    /// <summary>The multi-start at the chosen E (E-profile) or of the whole fit (Huber).</summary>
    public required MultiStartDiagnostics Diagnostics { get; init; }
    /// <summary>Range of the checkpoints stage 1 used (those with a finite NLL_1).</summary>
    public required FitRange Range { get; init; }
    public required IReadOnlyList<Finding> Health { get; init; }
}

public sealed record Approach2FitResult
{
    public required Approach2Law Law { get; init; }
    public required Stage1Result Stage1 { get; init; }
    public required double Objective { get; init; }
    public required int Observations { get; init; }
    public required MultiStartDiagnostics Diagnostics { get; init; }
    public required double[] SigmoidSeed { get; init; }
    /// <summary>Stage 2's box (θ0's upper bound depends on the data).</summary>
    public required HealthChecks.Coordinate[] Coordinates { get; init; }
    /// <summary>Stage 1's and stage 2's findings (each with its scope).</summary>
    public required IReadOnlyList<Finding> Health { get; init; }
    /// <summary>Stage 2's optimum re-found with each at-bound θ's bound released (see <see cref="ForecastSensitivity"/>).</summary>
    public IReadOnlyList<ForecastSensitivity.Released> Released { get; init; } = [];
    public bool Converged => Diagnostics.Converged;
}

/// <summary>Stage-2 least squares over θ = (θ0 … θ4) on Acc_k observations, analytic gradient through digamma.</summary>
public sealed class Approach2Objective(double[] loss, double[] k, double[] acc) : Objective
{
    public override int Dimension => 5;

    public override double Evaluate(ReadOnlySpan<double> t, Span<double> g)
    {
        double f = 0; g.Clear();
        for (int i = 0; i < acc.Length; i++)
        {
            double L = loss[i];
            double s = Approach2Law.Logistic(t[0], t[1], L);
            double raw = t[2] * s;
            double mu = Approach2Law.ClampMu(raw);
            bool clamped = mu != raw;
            double nu = Approach2Law.NuOf(t[3], t[4], L);
            double a = mu * nu, b = (1 - mu) * nu;
            if (!(a > 0 && b > 0 && double.IsFinite(a) && double.IsFinite(b))) return double.NaN;
            double lr = BetaFunctions.LogBetaRatio(a, b, k[i]);
            double fail = Math.Exp(lr);
            double r = (1 - fail) - acc[i];
            f += r * r;
            // ∂Acc/∂a = −fail·[ψ(a+b) − ψ(a+b+k)], ∂Acc/∂b = −fail·[ψ(b+k) − ψ(b) − ψ(a+b+k) + ψ(a+b)].
            double psiAB = MathNet.Numerics.SpecialFunctions.DiGamma(a + b), psiABK = MathNet.Numerics.SpecialFunctions.DiGamma(a + b + k[i]);
            double dRa = psiAB - psiABK;
            double dRb = MathNet.Numerics.SpecialFunctions.DiGamma(b + k[i]) - MathNet.Numerics.SpecialFunctions.DiGamma(b) - psiABK + psiAB;
            double dA = -fail * dRa, dB = -fail * dRb;
            double dMu = clamped ? 0 : (dA - dB) * nu;              // a = μν, b = (1−μ)ν
            double dNu = dA * mu + dB * (1 - mu);
            double c = 2 * r;
            double ss = s * (1 - s);
            g[0] += c * dMu * t[2] * t[1] * ss;                     // ∂s/∂θ0 = θ1 s(1−s)
            g[1] += c * dMu * t[2] * (-(L - t[0])) * ss;            // ∂s/∂θ1 = −(L−θ0) s(1−s)
            g[2] += c * dMu * s;
            g[3] += c * dNu * nu;
            g[4] += c * dNu * nu * L;
        }
        return f;
    }
}

/// <summary>Fits Approach 2 to one task's checkpoints (t2-maths.md §5).</summary>
public static class Approach2Fit
{
    public static readonly double[] Stage2Lower = [0, 1e-3, 1e-6, -30, -10];

    /// <param name="n">N per checkpoint.</param>
    /// <param name="d">D per checkpoint.</param>
    /// <param name="nll1">NLL_1 (mean answer NLL / −log pass@1) per checkpoint, the stage-1 target.</param>
    /// <param name="obsCheckpoint">For each Acc_k observation, the index of its checkpoint.</param>
    /// <param name="obsK">For each observation, k.</param>
    /// <param name="obsAcc">For each observation, the empirical Acc_k.</param>
    /// <param name="stage1Checkpoints">Checkpoints used in stage 1 (null = all); e.g. those with a finite NLL_1.</param>
    public static Approach2FitResult Fit(double[] n, double[] d, double[] nll1, int[] obsCheckpoint, double[] obsK, double[] obsAcc,
        Approach2FitOptions? options = null, int[]? stage1Checkpoints = null)
    {
        var o = options ?? new Approach2FitOptions();
        var s1 = stage1Checkpoints ?? Enumerable.Range(0, n.Length).ToArray();
        if (s1.Length < 5) throw new ArgumentException($"{s1.Length} checkpoints with a finite NLL_1 for the 5-parameter stage-1 law: at least 5 are needed.");
        if (obsAcc.Length < 5) throw new ArgumentException($"{obsAcc.Length} accuracy observations for 5 parameters.");
        var stage1 = FitStage1(s1.Select(j => n[j]).ToArray(), s1.Select(j => d[j]).ToArray(), s1.Select(j => nll1[j]).ToArray(), o);
        var lhat = new double[n.Length];
        for (int j = 0; j < n.Length; j++) lhat[j] = stage1.Law.Predict(n[j], d[j]);
        var obsLoss = obsCheckpoint.Select(j => lhat[j]).ToArray();

        // Seed: a plain sigmoid Acc_1 ≈ θ2/(1 + exp(θ1(L̂ − θ0))) fitted by grid over the k = 1 observations.
        var seeds = SigmoidSeeds(obsLoss, obsK, obsAcc, o.SigmoidSeeds);
        var starts = new List<double[]>();
        foreach (var s in seeds) foreach (var t3 in o.Theta3Grid) foreach (var t4 in o.Theta4Grid) starts.Add([s[0], s[1], s[2], t3, t4]);
        double maxL = obsLoss.Max();
        double[] upper = [Math.Max(2 * maxL, 1), 100, 1, 30, 10];
        var coords = Stage2Coordinates(upper);
        var results = MultiStart.RunAndPolish(() => new Approach2Objective(obsLoss, obsK, obsAcc), starts, o.Solver, o.Polish, 1e-6, o.Parallel,
            Stage2Lower, upper);
        var diag = MultiStart.Diagnose(results, starts.Count, o.Solver.GradientTolerance, obsAcc.Length, 5);
        int best = MultiStart.Best(results);
        var x = best < 0 ? Enumerable.Repeat(double.NaN, 5).ToArray() : results[best].X;
        var law = new Approach2Law(stage1.Law, x[0], x[1], x[2], x[3], x[4]);
        var h = new List<Finding>(stage1.Health);
        List<ForecastSensitivity.Released> released = [];
        h.AddRange(HealthChecks.Convergence(diag, "stage2"));
        h.AddRange(HealthChecks.FailedStarts(diag, "stage2"));
        h.AddRange(HealthChecks.Observations(obsAcc.Length, 5, "stage2"));
        if (best >= 0)
        {
            double nRef = 10 * stage1.Range.NMax, dRef = 10 * stage1.Range.DMax, kRef = obsK.Max();
            string where = $"10× the largest N and D fitted, largest k (N = {Num.G(nRef, 3)}, D = {Num.G(dRef, 3)}, k = {Num.G(kRef, 3)})";
            Approach2Law With(double[] v) => law with { Theta0 = v[0], Theta1 = v[1], Theta2 = v[2], Theta3 = v[3], Theta4 = v[4] };
            // Parameters on a bound: released one at a time, graded by how far that moves the prediction at the valley's point.
            released = ForecastSensitivity.Release(() => new Approach2Objective(obsLoss, obsK, obsAcc), x, coords, Stage2Lower, upper, o.Polish);
            h.AddRange(ForecastSensitivity.Grade(HealthChecks.AtBounds(coords, x, "stage2"), coords, released, v => With(v).Predict(nRef, dRef, kRef),
                law.Predict(nRef, dRef, kRef), where));
            // Stage 2 stopped before converging: does running on from there move the forecast?
            var ranOn = ForecastSensitivity.RunOn(h, () => new Approach2Objective(obsLoss, obsK, obsAcc), x, Stage2Lower, upper,
                Approach1Fit.RunOnSolver(o.Polish), "stage2");
            var graded = ForecastSensitivity.GradeCodes(h.Where(f => f.Scope == "stage2"), ForecastSensitivity.StopCodes, ranOn,
                v => With(v).Predict(nRef, dRef, kRef), law.Predict(nRef, dRef, kRef), where, ForecastSensitivity.RunOnHow);
            h = [.. h.Where(f => f.Scope != "stage2"), .. graded];
            var obsN = obsCheckpoint.Select(j => n[j]).ToArray();
            h.AddRange(HealthChecks.SizeResiduals(obsN, obsLoss.Select((l, i) => law.AccuracyAtLoss(l, obsK[i])).ToArray(), obsAcc, "Acc_k", "stage2"));
            h.AddRange(HealthChecks.FlatValley(diag.Valley.Select(v => With(v).Predict(nRef, dRef, kRef)).ToArray(), where, "stage2"));
        }
        return new Approach2FitResult
        {
            Law = law, Stage1 = stage1, Objective = best < 0 ? double.NaN : results[best].F, Observations = obsAcc.Length,
            Diagnostics = diag, SigmoidSeed = seeds[0], Coordinates = coords, Health = h, Released = released,
        };
    }

    /// <summary>Stage 2's box as named coordinates (θ0 ∈ [0, max(2·max L̂, 1)], θ1 ∈ [1e−3, 100], θ2 ∈ [1e−6, 1], θ3 ∈ [−30, 30], θ4 ∈ [−10, 10]).</summary>
    public static HealthChecks.Coordinate[] Stage2Coordinates(double[] upper) =>
    [
        // Physical limits: the sigmoid's midpoint is a loss (≥ 0), its slope and the ceiling are ≥ 0, the ceiling ≤ 1.
        new("theta0", Stage2Lower[0], upper[0], false) { PhysicalLower = 0 }, new("theta1", Stage2Lower[1], upper[1], false) { PhysicalLower = 0 },
        new("theta2", Stage2Lower[2], upper[2], false) { PhysicalLower = 0, PhysicalUpper = 1 }, new("theta3", Stage2Lower[3], upper[3], false),
        new("theta4", Stage2Lower[4], upper[4], false),
    ];

    /// <summary>Stage 1's box for (log A, log B, log E, α, β) in the E-profile (E itself is fixed per profile value).</summary>
    public static readonly HealthChecks.Coordinate[] Stage1Coordinates =
    [
        new("A", -30, 60, true), new("B", -30, 60, true), new("E", 0, 0, true), new("alpha", 0, 3, false) { PhysicalLower = 0 },
        new("beta", 0, 3, false) { PhysicalLower = 0 },
    ];

    /// <summary>
    /// Stage 1. E-profile (paper): for each of 40 E values between 0.01 and 0.95 × min NLL_1, fit (log A, log B, α, β)
    /// by weighted squared error from seeded random restarts; keep the E with the lowest objective.
    /// Weights (t2's reading of "inverse-variance weights across isoFLOP groups", which the paper does not define):
    /// checkpoints are grouped by C = 6ND into bins of <see cref="Approach2FitOptions.IsoFlopBinDecades"/> decades; each
    /// point gets 1/(variance of NLL_1 within its group), groups of one use the median group variance, and weights are
    /// scaled to average 1. Noisy budgets (large spread of NLL at the same compute) therefore count less.
    /// </summary>
    public static Stage1Result FitStage1(double[] n, double[] d, double[] nll1, Approach2FitOptions o)
    {
        var w = o.InverseVarianceWeights ? IsoFlopWeights(n, d, nll1, o.IsoFlopBinDecades) : Enumerable.Repeat(1.0, n.Length).ToArray();
        var range = FitRange.Of(n, d);
        if (o.Stage1 == Stage1Method.HuberLog)
        {
            var fit = ChinchillaFit.Fit(n, d, nll1, new ChinchillaFitOptions { Weights = w, Parallel = o.Parallel });
            return new Stage1Result
            {
                Law = fit.Law, Objective = fit.Objective, ProfileE = [], ProfileObjective = [], Weights = w, StartsTried = fit.Diagnostics.StartsTried,
                StartsConverged = fit.Diagnostics.StartsConverged, Method = "huber-log, 4,500-point grid", Diagnostics = fit.Diagnostics, Range = range,
                Health = fit.Health.Select(f => f with { Scope = "stage1" }).ToList(),
            };
        }
        double minL = nll1.Min();
        int m = o.ProfilePoints;
        var eGrid = Enumerable.Range(0, m).Select(i => minL * (0.01 + (0.95 - 0.01) * i / Math.Max(1, m - 1))).ToArray();
        var profile = new double[m];
        var laws = new ChinchillaLaw[m];
        var xs = new double[m][];
        var diags = new MultiStartDiagnostics[m];
        int tried = 0, converged = 0;
        var rng = new Random(o.Seed);
        var starts = Enumerable.Range(0, o.RestartsPerE).Select(_ => new[] { rng.NextDouble() * 25, rng.NextDouble() * 25, 0, rng.NextDouble() * 1.5, rng.NextDouble() * 1.5 }).ToArray();
        for (int i = 0; i < m; i++)
        {
            double le = Math.Log(eGrid[i]);
            double[] lo = [-30, -30, le, 0, 0], hi = [60, 60, le, 3, 3];
            var s = starts.Select(x => new[] { x[0], x[1], le, x[3], x[4] }).ToArray();
            var res = MultiStart.RunAndPolish(() => new ChinchillaObjective(n, d, nll1, w, LossObjective.SquaredError, 0), s, o.Solver, o.Polish, 1e-6, o.Parallel, lo, hi);
            // Four free parameters at a fixed E.
            diags[i] = MultiStart.Diagnose(res, s.Length, o.Solver.GradientTolerance, n.Length, 4);
            int best = MultiStart.Best(res);
            tried += s.Length; converged += diags[i].StartsConverged;
            profile[i] = best < 0 ? double.NaN : res[best].F;
            xs[i] = best < 0 ? [double.NaN, double.NaN, le, double.NaN, double.NaN] : res[best].X;
            laws[i] = ChinchillaFit.ToLaw(xs[i]);
        }
        int arg = -1;
        for (int i = 0; i < m; i++) if (double.IsFinite(profile[i]) && (arg < 0 || profile[i] < profile[arg])) arg = i;
        if (arg < 0) throw new InvalidOperationException("Stage 1: no profiled E value gave a finite fit.");
        var law = laws[arg];
        Func<Objective> objective = () => new ChinchillaObjective(n, d, nll1, w, LossObjective.SquaredError, 0);
        var h = new List<Finding>();
        h.AddRange(HealthChecks.Convergence(diags[arg], "stage1"));
        h.AddRange(HealthChecks.FailedStarts(diags[arg], "stage1"));
        h.AddRange(HealthChecks.Observations(n.Length, 5, "stage1"));
        h.AddRange(HealthChecks.DistinctSizes(n, d, "stage1"));
        h.AddRange(HealthChecks.SingleBudget(n, d, "stage1"));
        h.AddRange(HealthChecks.AtGridEdge("E", eGrid, profile, "stage1"));
        // An exponent at 0 is its physical limit (information); other stage-1 bounds are not released here and stay warnings.
        h.AddRange(ForecastSensitivity.Grade(HealthChecks.AtBounds(Stage1Coordinates, xs[arg], "stage1"), Stage1Coordinates, [], _ => double.NaN, double.NaN, ""));
        h.AddRange(HealthChecks.SizeResiduals(n, n.Select((v, i) => law.Predict(v, d[i])).ToArray(), nll1, "NLL_1", "stage1"));
        // The profile's own valley: E values whose best objective is within one residual's share of the optimum.
        double window = n.Length > 5 ? profile[arg] / (n.Length - 5) : double.PositiveInfinity;
        double nRef = 10 * n.Max(), dRef = 10 * d.Max();
        var valley = Enumerable.Range(0, m).Where(i => double.IsFinite(profile[i]) && profile[i] - profile[arg] <= window)
            .SelectMany(i => new[] { laws[i].Predict(nRef, dRef) }.Concat(diags[i].Valley.Select(v => ChinchillaFit.ToLaw(v).Predict(nRef, dRef)))).ToArray();
        string where = $"10× the largest N and D fitted (N = {Num.G(nRef, 3)}, D = {Num.G(dRef, 3)})";
        h.AddRange(HealthChecks.FlatValley(valley, where + ", across E values and starts", "stage1"));
        // Graded by the stage-1 forecast at that point: the best profile point run on from where it stopped (E fixed), and E
        // freed beyond the grid's edge (below its first value, or up to the smallest observed NLL_1).
        double forecast = law.Predict(nRef, dRef);
        double Forecast(double[] v) => ChinchillaFit.ToLaw(v).Predict(nRef, dRef);
        double leBest = Math.Log(eGrid[arg]);
        double[] boxLo = [-30, -30, leBest, 0, 0], boxHi = [60, 60, leBest, 3, 3];
        var ranOn = ForecastSensitivity.RunOn(h, objective, xs[arg], boxLo, boxHi, Approach1Fit.RunOnSolver(o.Polish), "stage1");
        h = ForecastSensitivity.GradeCodes(h, ForecastSensitivity.StopCodes, ranOn, Forecast, forecast, where, ForecastSensitivity.RunOnHow);
        if (h.Any(f => f.Code == "param_at_grid_edge"))
        {
            var (lo, hi) = arg == 0 ? (-30.0, leBest) : (leBest, Math.Log(0.999 * minL));
            var freed = ForecastSensitivity.Reoptimise(objective, xs[arg], boxLo, boxHi, 2, lo, hi, o.Polish);
            h = ForecastSensitivity.GradeCodes(h, ["param_at_grid_edge"], freed, Forecast, forecast, where, ForecastSensitivity.GridHow);
        }
        return new Stage1Result
        {
            Law = law, Objective = profile[arg], ProfileE = eGrid, ProfileObjective = profile, Weights = w, StartsTried = tried,
            StartsConverged = converged, Method = $"E-profile ({m} values), weighted squared error", Diagnostics = diags[arg], Range = range, Health = h,
        };
    }

    /// <summary>Inverse-variance weights across isoFLOP groups (see <see cref="FitStage1"/>).</summary>
    public static double[] IsoFlopWeights(double[] n, double[] d, double[] y, double binDecades)
    {
        var bin = n.Select((v, i) => (int)Math.Floor(Math.Log10(6 * v * d[i]) / binDecades)).ToArray();
        var groups = Enumerable.Range(0, n.Length).GroupBy(i => bin[i]).ToList();
        var variance = new Dictionary<int, double>();
        foreach (var g in groups.Where(g => g.Count() > 1))
        {
            double mean = g.Average(i => y[i]);
            variance[g.Key] = g.Sum(i => (y[i] - mean) * (y[i] - mean)) / (g.Count() - 1);
        }
        double fallback = variance.Count > 0 ? Median(variance.Values.Where(v => v > 0).DefaultIfEmpty(1).ToArray()) : 1;
        var w = new double[n.Length];
        for (int i = 0; i < n.Length; i++)
        {
            double v = variance.TryGetValue(bin[i], out var vv) && vv > 0 ? vv : fallback;
            w[i] = 1 / v;
        }
        double scale = n.Length / w.Sum();
        for (int i = 0; i < w.Length; i++) w[i] *= scale;
        return w;
    }

    private static double Median(double[] v) { Array.Sort(v); return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]); }

    /// <summary>The best few (θ0, θ1, θ2) of a plain sigmoid of Acc_1 on loss, by grid search (smallest k used when k = 1 is absent).</summary>
    public static double[][] SigmoidSeeds(double[] loss, double[] k, double[] acc, int count)
    {
        double kMin = k.Min();
        var idx = Enumerable.Range(0, acc.Length).Where(i => k[i] == kMin).ToArray();
        double lo = idx.Min(i => loss[i]), hi = idx.Max(i => loss[i]);
        var cands = new List<(double F, double[] T)>();
        for (int a = 0; a <= 20; a++)
        {
            double t0 = lo - 1 + (hi - lo + 2) * a / 20.0;
            foreach (var t1 in new[] { 0.25, 0.5, 1, 2, 4, 8, 16 })
                foreach (var t2 in new[] { 0.05, 0.1, 0.2, 0.4, 0.7, 1.0 })
                {
                    double f = 0;
                    foreach (var i in idx) { double r = t2 / (1 + Math.Exp(t1 * (loss[i] - t0))) - acc[i]; f += r * r; }
                    cands.Add((f, [t0, t1, t2]));
                }
        }
        return cands.OrderBy(c => c.F).Take(count).Select(c => c.T).ToArray();
    }
}
