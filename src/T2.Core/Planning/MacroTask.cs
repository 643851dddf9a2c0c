using T2.Core.Fitting;
using T2.Core.Health;
using T2.Core.Laws;

namespace T2.Core.Planning;

/// <summary>
/// The macro average over tasks, as the paper's headline figures average over tasks: for each approach that every task
/// has, the metric at (N, D, k) is the mean of the tasks' own predictions — not a law fitted to averaged data, which would
/// average accuracies of different shapes into a curve none of them follows and lose each task's floor and ceiling.
/// The Chinchilla baseline minimises the mean of the tasks' stage-1 losses along the isoFLOP line. The fitted range is
/// the intersection of the tasks' ranges (the macro is inside the data only where every task is), and the health is the
/// union of their findings, each scoped to its task. Replicate i averages replicate i of every task (resamples of the same
/// checkpoints when the tasks share them).
/// </summary>
public static class MacroTask
{
    public const string Name = "macro";

    /// <summary>The macro task of at least two tasks; null with fewer (a macro of one task is that task).</summary>
    public static FittedTask? Of(IReadOnlyList<FittedTask> tasks)
    {
        if (tasks.Count < 2) return null;
        var approaches = new List<FittedApproach>();
        foreach (string ap in tasks[0].Approaches.Select(a => a.Approach))
        {
            var members = tasks.Select(t => t.Approaches.FirstOrDefault(a => a.Approach == ap)).ToList();
            if (members.Any(m => m is null)) continue;
            var ms = members.Select(m => m!).ToList();
            var metric = Average(ms.Select(m => m.Metric).ToList());
            var stage1 = ms.Select(m => m.Stage1).ToList();
            int reps = ms.Min(m => m.Replicates.Count);
            approaches.Add(new FittedApproach
            {
                Approach = ap, Metric = metric, Stage1 = stage1[0], BaselineN = c => BaselineN(stage1, c),
                Range = Intersect(ms.Select(m => m.Range).ToList()),
                Health = [.. tasks.Zip(ms).SelectMany(p => p.Second.Health.Select(f => f with { Scope = f.Scope is null ? p.First.Task : $"{p.First.Task}: {f.Scope}" }))],
                Replicates = Enumerable.Range(0, reps).Select(i =>
                {
                    var s1 = ms.Select(m => m.Replicates[i].Stage1).ToList();
                    return new Replicate(Average(ms.Select(m => m.Replicates[i].Metric).ToList()), s1[0], c => BaselineN(s1, c));
                }).ToList(),
            });
        }
        return approaches.Count == 0 ? null : new FittedTask(Name, approaches);
    }

    public static PlanMetric Average(IReadOnlyList<PlanMetric> metrics) =>
        new(metrics[0].Name, (n, d, k) => { double s = 0; foreach (var m in metrics) s += m.Evaluate(n, d, k); return s / metrics.Count; }, metrics[0].Maximize);

    /// <summary>argmin over N of the mean stage-1 loss at D = C/6N: a log-N grid between the laws' own optima, then golden section.</summary>
    public static double BaselineN(IReadOnlyList<ChinchillaLaw> laws, double c)
    {
        double Mean(double logN) { double n = Math.Exp(logN), d = Budgets.TokensFor(c, n), s = 0; foreach (var l in laws) s += l.Predict(n, d); return s / laws.Count; }
        var own = laws.Select(l => Math.Log(l.ComputeOptimal(c).N)).ToList();
        double lo = own.Min() - 1, hi = Math.Min(own.Max() + 1, Math.Log(c / 6));
        if (!(hi > lo)) return Math.Exp(own.Average());
        const int grid = 201;
        int best = 0; double bestF = double.PositiveInfinity;
        for (int i = 0; i < grid; i++) { double f = Mean(lo + (hi - lo) * i / (grid - 1)); if (f < bestF) { bestF = f; best = i; } }
        double step = (hi - lo) / (grid - 1), x0 = lo + step * best;
        return Math.Exp(Planner.GoldenSection(Mean, x0 - step, x0 + step, x0, bestF));
    }

    private static FitRange Intersect(IReadOnlyList<FitRange> r) => new(
        r.Max(x => x.NMin), r.Min(x => x.NMax), r.Max(x => x.DMin), r.Min(x => x.DMax),
        r.Max(x => x.RatioMin), r.Min(x => x.RatioMax), r.Max(x => x.KMin), r.Min(x => x.KMax));
}
