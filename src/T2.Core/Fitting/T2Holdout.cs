using T2.Core.Evidence;

namespace T2.Core.Fitting;

/// <summary>Extrapolation check: refit without the K largest model sizes and score the held-out checkpoints.</summary>
public sealed record HoldoutResult(double[] HeldOutN, int HeldOutCheckpoints,
    double? Approach1MeanRelativeError, double? Approach1MeanSignedRelativeError, int Approach1Points,
    double? Approach2MeanRelativeError, double? Approach2MeanSignedRelativeError, int Approach2Points);

public static class T2Holdout
{
    /// <summary>
    /// Relative error = |predicted − observed| / observed, averaged over held-out checkpoints × the fit's k grid (points with an
    /// observed value of 0 or ∞ are skipped); the signed mean says whether the law over- (+) or under-estimates (−).
    /// Approach 1 is scored on NLL_k, Approach 2 on Acc_k, as in the paper's extrapolation check.
    /// </summary>
    public static HoldoutResult Evaluate(string task, IReadOnlyList<CheckpointEvidence> cps, int largest, T2FitOptions options)
    {
        var sizes = cps.Select(c => c.N).Distinct().OrderDescending().ToArray();
        if (largest < 1 || largest >= sizes.Length) throw new ArgumentException($"--holdout-largest {largest}: the task has {sizes.Length} model sizes.");
        var held = sizes.Take(largest).ToHashSet();
        var train = cps.Where(c => !held.Contains(c.N)).ToList();
        var test = cps.Where(c => held.Contains(c.N)).ToList();
        var ks = options.KGrid ?? T2TaskFit.DefaultKGrid(cps);
        var fit = T2TaskFit.Fit(task, train, options with { KGrid = ks, Bootstrap = 0 });
        var curves = test.Select(c => c.Curve(ks, options.Target)).ToArray();
        (double?, double?, int) Score(Func<CheckpointEvidence, double, double> predict, Func<TaskCurve, int, double> observed)
        {
            double abs = 0, signed = 0; int m = 0;
            for (int j = 0; j < test.Count; j++)
                for (int q = 0; q < ks.Length; q++)
                {
                    double o = observed(curves[j], q);
                    if (!(o > 0) || !double.IsFinite(o)) continue;
                    double rel = (predict(test[j], ks[q]) - o) / o;
                    abs += Math.Abs(rel); signed += rel; m++;
                }
            return m == 0 ? (null, null, 0) : (abs / m, signed / m, m);
        }
        var a1 = fit.Approach1 is { } f1 ? Score((c, k) => f1.Law.Predict(c.N, c.D, k), (cv, q) => cv.NllK[q]) : (null, null, 0);
        var a2 = fit.Approach2 is { } f2 ? Score((c, k) => f2.Law.Predict(c.N, c.D, k), (cv, q) => cv.AccK[q]) : (null, null, 0);
        return new HoldoutResult(held.Order().ToArray(), test.Count, a1.Item1, a1.Item2, a1.Item3, a2.Item1, a2.Item2, a2.Item3);
    }
}
