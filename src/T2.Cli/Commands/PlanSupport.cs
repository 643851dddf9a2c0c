using T2.Cli.Data;
using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary>Turns a fit file's task into plans: one per approach, with bootstrap intervals when the fit has replicates.</summary>
public static class PlanSupport
{
    public sealed record PlannedApproach(string Task, string Approach, string MetricName, PlanResult Plan, Dictionary<string, FitFile.Interval>? Intervals, int Replicates);

    public static IEnumerable<FitFile.TaskDoc> Tasks(FitFile.Doc doc, string? task, string path)
    {
        if (task is null) return doc.Tasks;
        var t = doc.Tasks.Where(x => x.Task == task).ToList();
        if (t.Count == 0) throw new InputException(path, 0, "task", $"no task '{task}' in the fit file (tasks: {string.Join(", ", doc.Tasks.Select(x => x.Task))}).");
        return t;
    }

    /// <summary>The stage-1 law that defines the Chinchilla baseline: Approach 2's stage 1, else Approach 1 at k = 1 (floor E + G).</summary>
    public static ChinchillaLaw Stage1(FitFile.TaskDoc t) =>
        FitFile.A2(t)?.Loss ?? (FitFile.A1(t) is { } a1 ? new ChinchillaLaw(a1.E + a1.G, a1.A, a1.B, a1.Alpha, a1.Beta) : throw new InvalidOperationException("task has no fit"));

    public static PlanMetric A1Metric(Approach1Law l) => new("nll_k", l.Predict, false);
    public static PlanMetric A2Metric(Approach2Law l) => new("acc_k", l.Predict, true);

    public static List<PlannedApproach> PlanTask(FitFile.TaskDoc t, PlanBudget budget, double level, bool withIntervals = true)
    {
        var outList = new List<PlannedApproach>();
        var range = FitFile.Range(t);
        if (FitFile.A1(t) is { } a1)
        {
            var baseLaw = Stage1(t);
            var plan = Planner.Plan(A1Metric(a1), budget, baseLaw, range);
            var boots = withIntervals ? t.Approach1!.Bootstrap.Select(FitFile.A1Law).ToList() : [];
            var iv = Intervals(boots.Select(b => TryPlan(A1Metric(b), budget, t.Approach2 is null ? new ChinchillaLaw(b.E + b.G, b.A, b.B, b.Alpha, b.Beta) : baseLaw)), level);
            outList.Add(new PlannedApproach(t.Task, "1", "nll_k", plan, iv, boots.Count));
        }
        if (FitFile.A2(t) is { } a2)
        {
            var plan = Planner.Plan(A2Metric(a2), budget, a2.Loss, range);
            var boots = withIntervals ? t.Approach2!.Bootstrap.Select(FitFile.A2Law).ToList() : [];
            var iv = Intervals(boots.Select(b => TryPlan(A2Metric(b), budget, b.Loss)), level);
            outList.Add(new PlannedApproach(t.Task, "2", "acc_k", plan, iv, boots.Count));
        }
        return outList;
    }

    private static PlanPoint? TryPlan(PlanMetric m, PlanBudget b, ChinchillaLaw s1)
    {
        try { return Planner.Plan(m, b, s1).Optimum; } catch (ArgumentException) { return null; }
    }

    private static Dictionary<string, FitFile.Interval>? Intervals(IEnumerable<PlanPoint?> points, double level)
    {
        var p = points.Where(x => x is not null).Select(x => x!).ToList();
        if (p.Count == 0) return null;
        double lo = (1 - level) / 2;
        FitFile.Interval Iv(Func<PlanPoint, double> sel)
        {
            var v = p.Select(sel).Where(double.IsFinite).Order().ToArray();
            return v.Length == 0 ? new(double.NaN, double.NaN) : new(ChinchillaBootstrap.Quantile(v, lo), ChinchillaBootstrap.Quantile(v, 1 - lo));
        }
        return new Dictionary<string, FitFile.Interval>
        {
            ["N"] = Iv(x => x.N), ["D"] = Iv(x => x.D), ["k"] = Iv(x => x.K), ["tokens_per_param"] = Iv(x => x.TokensPerParameter), ["predicted"] = Iv(x => x.Predicted),
        };
    }
}
