namespace T2.Core.Planning;

/// <summary>A task's observed curve at one checkpoint (Acc_k and NLL_k over the k grid), as the fit saw it.</summary>
public sealed record ObservedCurve(string Task, string Checkpoint, double N, double D, double[] K, double[] AccK, double[] NllK);

public sealed record MacroPoint(string Checkpoint, double N, double D, double K, double Observed, double Predicted);

/// <summary>The macro average's fitted-vs-observed for one approach: points where every task was observed, and the errors.</summary>
public sealed record MacroApproachCheck(string Approach, string Metric, IReadOnlyList<MacroPoint> Points, double MeanRelativeError,
    double MeanSignedRelativeError);

public static class MacroCheck
{
    /// <summary>
    /// Observed macro = mean over tasks of each task's observed metric at a checkpoint and k (Acc_k for Approach 2, NLL_k for
    /// Approach 1), at checkpoints and k every task has with a finite value; predicted = the macro law there.
    /// </summary>
    public static List<MacroApproachCheck> Compare(FittedTask macro, IReadOnlyList<ObservedCurve> observed)
    {
        var tasks = observed.Select(o => o.Task).Distinct().ToList();
        var list = new List<MacroApproachCheck>();
        foreach (var a in macro.Approaches)
        {
            bool acc = a.Metric.Maximize;
            var points = new List<MacroPoint>();
            foreach (var g in observed.GroupBy(o => o.Checkpoint))
            {
                var byTask = g.ToList();
                if (byTask.Select(o => o.Task).Distinct().Count() != tasks.Count) continue;
                var first = byTask[0];
                foreach (double k in first.K)
                {
                    double sum = 0; bool ok = true;
                    foreach (var o in byTask)
                    {
                        int i = Array.IndexOf(o.K, k);
                        double v = i < 0 ? double.NaN : acc ? o.AccK[i] : o.NllK[i];
                        if (!double.IsFinite(v)) { ok = false; break; }
                        sum += v;
                    }
                    if (!ok) continue;
                    double obs = sum / byTask.Count;
                    points.Add(new MacroPoint(g.Key, first.N, first.D, k, obs, a.Metric.Evaluate(first.N, first.D, k)));
                }
            }
            var rel = points.Where(p => p.Observed != 0).Select(p => (p.Predicted - p.Observed) / p.Observed).ToList();
            list.Add(new MacroApproachCheck(a.Approach, a.Metric.Name, points, rel.Count == 0 ? double.NaN : rel.Average(Math.Abs),
                rel.Count == 0 ? double.NaN : rel.Average()));
        }
        return list;
    }
}
