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
    public Stage1Method Stage1 { get; init; } = Stage1Method.EProfile;
    public int ProfilePoints { get; init; } = 40;
    /// <summary>Random restarts over (log A, log B, α, β) per profiled E value (paper: 50+).</summary>
    public int RestartsPerE { get; init; } = 60;
    /// <summary>Width of an isoFLOP group in decades of C = 6ND, for the inverse-variance weights (t2's reading).</summary>
    public double IsoFlopBinDecades { get; init; } = 0.5;
    public bool InverseVarianceWeights { get; init; } = true;
    public int Seed { get; init; } = 0;
    public LbfgsOptions Solver { get; init; } = new() { MaxIterations = 3000, GradientTolerance = 1e-9, RelativeTolerance = 1e-12 };
    public LbfgsOptions Polish { get; init; } = new() { MaxIterations = 3000, GradientTolerance = 1e-12, RelativeTolerance = 1e-15 };
    public bool Parallel { get; init; } = true;
    /// <summary>Stage-2 starts: the best sigmoid seeds × this θ3 grid × this θ4 grid.</summary>
    public double[] Theta3Grid { get; init; } = [-4, -2, 0, 2, 4];
    public double[] Theta4Grid { get; init; } = [-1, -0.3, 0, 0.3, 1];
    public int SigmoidSeeds { get; init; } = 4;
}

public sealed record Stage1Result(ChinchillaLaw Law, double Objective, double[] ProfileE, double[] ProfileObjective, double[] Weights,
    int StartsTried, int StartsConverged, string Method);

public sealed record Approach2FitResult(Approach2Law Law, Stage1Result Stage1, double Objective, bool Converged, StopReason Reason,
    double GradientNorm, int StartsTried, int StartsConverged, int StartsFailed, int StartsNearBest, int Observations,
    double[] SigmoidSeed);

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
            double z = t[1] * (L - t[0]);
            double s = 1 / (1 + Math.Exp(z));
            double mu = t[2] * s;
            bool clamped = mu < 1e-12 || mu > 1 - 1e-12;
            mu = Math.Clamp(mu, 1e-12, 1 - 1e-12);
            double nu = Math.Exp(t[3] + t[4] * L);
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
        var results = MultiStart.RunAndPolish(() => new Approach2Objective(obsLoss, obsK, obsAcc), starts, o.Solver, o.Polish, 1e-6, o.Parallel,
            Stage2Lower, upper);
        var (best, conv, failed, near) = MultiStart.Summary(results);
        if (best < 0)
            return new Approach2FitResult(new Approach2Law(stage1.Law, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN), stage1,
                double.NaN, false, StopReason.NonFiniteStart, double.NaN, starts.Count, conv, failed, 0, obsAcc.Length, seeds[0]);
        var b = results[best];
        var law = new Approach2Law(stage1.Law, b.X[0], b.X[1], b.X[2], b.X[3], b.X[4]);
        return new Approach2FitResult(law, stage1, b.F, b.Converged, b.Reason, b.ProjectedGradientNorm, starts.Count, conv, failed, near,
            obsAcc.Length, seeds[0]);
    }

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
        if (o.Stage1 == Stage1Method.HuberLog)
        {
            var fit = ChinchillaFit.Fit(n, d, nll1, new ChinchillaFitOptions { Weights = w, Parallel = o.Parallel });
            return new Stage1Result(fit.Law, fit.Objective, [], [], w, fit.StartsTried, fit.StartsConverged, "huber-log, 4,500-point grid");
        }
        double minL = nll1.Min();
        int m = o.ProfilePoints;
        var eGrid = Enumerable.Range(0, m).Select(i => minL * (0.01 + (0.95 - 0.01) * i / Math.Max(1, m - 1))).ToArray();
        var profile = new double[m];
        var laws = new ChinchillaLaw[m];
        int tried = 0, converged = 0;
        var rng = new Random(o.Seed);
        var starts = Enumerable.Range(0, o.RestartsPerE).Select(_ => new[] { rng.NextDouble() * 25, rng.NextDouble() * 25, 0, rng.NextDouble() * 1.5, rng.NextDouble() * 1.5 }).ToArray();
        for (int i = 0; i < m; i++)
        {
            double le = Math.Log(eGrid[i]);
            double[] lo = [-30, -30, le, 0, 0], hi = [60, 60, le, 3, 3];
            var s = starts.Select(x => new[] { x[0], x[1], le, x[3], x[4] }).ToArray();
            var res = MultiStart.RunAndPolish(() => new ChinchillaObjective(n, d, nll1, w, LossObjective.SquaredError, 0), s, o.Solver, o.Polish, 1e-6, o.Parallel, lo, hi);
            var (best, conv, _, _) = MultiStart.Summary(res);
            tried += s.Length; converged += conv;
            profile[i] = best < 0 ? double.NaN : res[best].F;
            laws[i] = best < 0 ? new ChinchillaLaw(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN) : ChinchillaFit.ToLaw(res[best].X);
        }
        int arg = -1;
        for (int i = 0; i < m; i++) if (double.IsFinite(profile[i]) && (arg < 0 || profile[i] < profile[arg])) arg = i;
        if (arg < 0) throw new InvalidOperationException("Stage 1: no profiled E value gave a finite fit.");
        return new Stage1Result(laws[arg], profile[arg], eGrid, profile, w, tried, converged, $"E-profile ({m} values), weighted squared error");
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
