using System.Diagnostics;
using System.Globalization;
using T2.Core.Evidence;

namespace T2.Core.Fitting;

/// <summary>
/// Which folds: <see cref="Sizes"/> leaves out each model size in turn (leave-one-size-out); <see cref="Largest"/> leaves out
/// the <see cref="CvSpec.Count"/> largest sizes together (the paper's extrapolation check), scored per left-out size.
/// </summary>
public enum CvScheme { Sizes, Largest }

public sealed record CvSpec(CvScheme Scheme, int Count)
{
    /// <summary>"sizes" or "largest:K" (K ≥ 1).</summary>
    public static CvSpec Parse(string text)
    {
        if (text == "sizes") return new CvSpec(CvScheme.Sizes, 0);
        if (text.StartsWith("largest:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1)
            return new CvSpec(CvScheme.Largest, k);
        throw new ArgumentException($"cross-validation scheme '{text}': expected 'sizes' or 'largest:K' with K ≥ 1.");
    }

    public override string ToString() => Scheme == CvScheme.Sizes ? "sizes" : $"largest:{Count}";
}

/// <summary>
/// One left-out model size: the fold it belongs to, how many points scored it, and the relative error of the refitted law on
/// them — |pred − obs|/obs averaged (and signed: + means the law over-predicts the metric). <see cref="Impossible"/> says why
/// a fold was not fitted (too few sizes left for the law).
/// </summary>
public sealed record CvFold(int Fold, double LeftOutN, int Points, double? RelativeError, double? SignedRelativeError, string? Impossible)
{
    /// <summary>Model sizes the fold's law was fitted on.</summary>
    public int TrainSizes { get; init; }
    /// <summary>Approach 2 only — which stage misses. Stage 1: the refit's loss law against the left-out checkpoints'
    /// observed stage-1 target (their k = 1 NLL), signed (+ = predicts a higher loss, i.e. a pessimistic law).</summary>
    public double? StageOneSignedRelativeError { get; init; }
    /// <summary>Approach 2 only: the refit's stage 2 (its Beta regression) fed each left-out checkpoint's <em>observed</em>
    /// stage-1 loss instead of the law's — the error that would remain with a perfect stage 1.</summary>
    public double? StageTwoRelativeError { get; init; }
    public double? StageTwoSignedRelativeError { get; init; }
}

public sealed record CvResult(string Scheme, string Metric, double Seconds, IReadOnlyList<CvFold> Folds)
{
    /// <summary>Mean over the fitted folds' absolute relative errors (null when no fold could be fitted).</summary>
    public double? MeanRelativeError => Folds.Where(f => f.RelativeError is not null).Select(f => f.RelativeError!.Value).DefaultIfEmpty(double.NaN)
        .Average() is var m && double.IsFinite(m) ? m : null;
    public double? MeanSignedRelativeError => Mean(f => f.SignedRelativeError);
    /// <summary>Approach 2's decomposition, averaged over the folds that have it (see <see cref="CvFold.StageOneSignedRelativeError"/>).</summary>
    public double? MeanStageOneSignedRelativeError => Mean(f => f.StageOneSignedRelativeError);
    public double? MeanStageTwoRelativeError => Mean(f => f.StageTwoRelativeError);
    public double? MeanStageTwoSignedRelativeError => Mean(f => f.StageTwoSignedRelativeError);

    private double? Mean(Func<CvFold, double?> sel) => Folds.Select(sel).Where(v => v is not null).Select(v => v!.Value)
        .DefaultIfEmpty(double.NaN).Average() is var m && double.IsFinite(m) ? m : null;
}

public static class CrossValidation
{
    /// <summary>A power law in N needs at least this many distinct sizes in the training part of a fold.</summary>
    public const int MinTrainSizes = 3;

    /// <summary>The folds as sets of left-out sizes, largest first within a fold.</summary>
    public static List<double[]> Folds(IEnumerable<double> sizes, CvSpec spec)
    {
        var distinct = sizes.Distinct().OrderDescending().ToArray();
        if (spec.Scheme == CvScheme.Sizes) return distinct.Select(s => new[] { s }).ToList();
        if (spec.Count >= distinct.Length)
            throw new ArgumentException($"cross-validation largest:{spec.Count}: the data have {distinct.Length} model sizes; leaving out {spec.Count} leaves none.");
        return [distinct.Take(spec.Count).ToArray()];
    }

    /// <summary>Cross-validates the Chinchilla loss law; relative error of the predicted loss on the left-out runs.</summary>
    public static CvResult LossLaw(double[] n, double[] d, double[] loss, ChinchillaFitOptions options, CvSpec spec)
    {
        var sw = Stopwatch.StartNew();
        var folds = Folds(n, spec);
        var o = options with { Parallel = false };
        var results = new List<CvFold>[folds.Count];
        Parallel.For(0, folds.Count, f =>
        {
            var held = folds[f].ToHashSet();
            var train = Enumerable.Range(0, n.Length).Where(i => !held.Contains(n[i])).ToArray();
            var test = Enumerable.Range(0, n.Length).Where(i => held.Contains(n[i])).ToArray();
            int sizes = train.Select(i => n[i]).Distinct().Count();
            string? why = sizes < MinTrainSizes ? $"only {sizes} model size(s) left to fit; the law needs {MinTrainSizes}"
                : train.Length <= ChinchillaFit.ParameterCount ? $"{train.Length} points left for {ChinchillaFit.ParameterCount} parameters" : null;
            if (why is not null) { results[f] = folds[f].Select(s => new CvFold(f, s, 0, null, null, why) { TrainSizes = sizes }).ToList(); return; }
            var w = o.Weights is null ? null : train.Select(i => o.Weights[i]).ToArray();
            var fit = ChinchillaFit.Fit(train.Select(i => n[i]).ToArray(), train.Select(i => d[i]).ToArray(), train.Select(i => loss[i]).ToArray(),
                o with { Weights = w });
            results[f] = folds[f].Select(s =>
            {
                var pts = test.Where(i => n[i] == s).ToArray();
                if (!double.IsFinite(fit.Objective)) return new CvFold(f, s, 0, null, null, "the refit found no finite optimum") { TrainSizes = sizes };
                var (abs, signed, m) = Score(pts.Select(i => (fit.Law.Predict(n[i], d[i]), loss[i])));
                return new CvFold(f, s, m, abs, signed, null) { TrainSizes = sizes };
            }).ToList();
        });
        return new CvResult(spec.ToString(), "loss", sw.Elapsed.TotalSeconds, results.SelectMany(r => r).ToList());
    }

    /// <summary>
    /// Cross-validates T² on one task: Approach 1 scored on NLL_k, Approach 2 on Acc_k, each over the left-out checkpoints × the
    /// fit's k grid (observed values of 0 or ∞ are skipped), as in the paper's extrapolation check.
    /// </summary>
    public static (CvResult? Approach1, CvResult? Approach2) T2Task(string task, IReadOnlyList<CheckpointEvidence> cps, T2FitOptions options, CvSpec spec)
    {
        var sw = Stopwatch.StartNew();
        var folds = Folds(cps.Select(c => c.N), spec);
        var ks = options.KGrid ?? T2TaskFit.DefaultKGrid(cps);
        var o = options with
        {
            KGrid = ks, Bootstrap = 0,
            A1 = options.A1 with { Parallel = false }, A2 = options.A2 with { Parallel = false },
        };
        int need = T2TaskFit.Needed(o);
        var r1 = new List<CvFold>[folds.Count]; var r2 = new List<CvFold>[folds.Count];
        Parallel.For(0, folds.Count, f =>
        {
            var held = folds[f].ToHashSet();
            var train = cps.Where(c => !held.Contains(c.N)).ToList();
            var test = cps.Where(c => held.Contains(c.N)).ToList();
            int sizes = train.Select(c => c.N).Distinct().Count();
            int points = train.Select(c => (c.N, c.D)).Distinct().Count();
            string? why = sizes < MinTrainSizes ? $"only {sizes} model size(s) left to fit; the law needs {MinTrainSizes}"
                : points < need ? $"{points} distinct checkpoints left for a law with {need} parameters" : null;
            T2TaskFitResult? fit = null;
            if (why is null)
            {
                try { fit = T2TaskFit.Fit(task, train, o); }
                catch (ArgumentException e) { why = e.Message; }
                catch (InvalidOperationException e) { why = e.Message; }
            }
            var curves = test.Select(c => c.Curve(ks, o.Target)).ToArray();
            List<CvFold> FoldRows(Func<double, double, double, double>? predict, Func<TaskCurve, int, double> observed) => folds[f].Select(s =>
            {
                if (why is not null) return new CvFold(f, s, 0, null, null, why) { TrainSizes = sizes };
                if (predict is null) return new CvFold(f, s, 0, null, null, "the refit found no finite optimum") { TrainSizes = sizes };
                var obs = new List<(double, double)>();
                for (int j = 0; j < test.Count; j++)
                    if (test[j].N == s)
                        for (int q = 0; q < ks.Length; q++) obs.Add((predict(test[j].N, test[j].D, ks[q]), observed(curves[j], q)));
                var (abs, signed, m) = Score(obs);
                return new CvFold(f, s, m, abs, signed, null) { TrainSizes = sizes };
            }).ToList();
            if (o.Approach1) r1[f] = FoldRows(fit?.Approach1 is { } a && double.IsFinite(a.Objective) ? a.Law.Predict : null, (c, q) => c.NllK[q]);
            if (o.Approach2)
            {
                r2[f] = FoldRows(fit?.Approach2 is { } b && double.IsFinite(b.Objective) ? b.Law.Predict : null, (c, q) => c.AccK[q]);
                if (fit?.Approach2 is { } b2 && double.IsFinite(b2.Objective))
                    r2[f] = r2[f].Select(row => row.Impossible is not null ? row : Decompose(row, b2.Law, test, curves, ks)).ToList();
            }
        });
        double secs = sw.Elapsed.TotalSeconds;
        return (o.Approach1 ? new CvResult(spec.ToString(), "nll_k", secs, r1.SelectMany(r => r).ToList()) : null,
                o.Approach2 ? new CvResult(spec.ToString(), "acc_k", secs, r2.SelectMany(r => r).ToList()) : null);
    }

    /// <summary>
    /// Approach 2's error split by stage for one left-out size: stage 1's loss against the checkpoints' observed stage-1 target
    /// (the k-grid's first NLL, k = 1 by default, as stage 1 is fitted on), and stage 2 fed that observed loss.
    /// </summary>
    private static CvFold Decompose(CvFold row, T2.Core.Laws.Approach2Law law, List<CheckpointEvidence> test, TaskCurve[] curves, double[] ks)
    {
        var loss = new List<(double, double)>(); var acc = new List<(double, double)>();
        for (int j = 0; j < test.Count; j++)
        {
            if (test[j].N != row.LeftOutN || !double.IsFinite(curves[j].NllK[0])) continue;
            double observedLoss = curves[j].NllK[0];
            loss.Add((law.Loss.Predict(test[j].N, test[j].D), observedLoss));
            for (int q = 0; q < ks.Length; q++) acc.Add((law.AccuracyAtLoss(observedLoss, ks[q]), curves[j].AccK[q]));
        }
        var (_, s1, _) = Score(loss);
        var (a2, s2, _) = Score(acc);
        return row with { StageOneSignedRelativeError = s1, StageTwoRelativeError = a2, StageTwoSignedRelativeError = s2 };
    }

    private static (double?, double?, int) Score(IEnumerable<(double Predicted, double Observed)> points)
    {
        double abs = 0, signed = 0; int m = 0;
        foreach (var (p, o) in points)
        {
            if (!(o > 0) || !double.IsFinite(o) || !double.IsFinite(p)) continue;
            double rel = (p - o) / o;
            abs += Math.Abs(rel); signed += rel; m++;
        }
        return m == 0 ? (null, null, 0) : (abs / m, signed / m, m);
    }
}
