using T2.Core.Fitting;
using T2.Core.Statistics;

namespace T2.Core.Planning;

/// <summary>One approach's plan at one budget: the optimum and the Chinchilla baseline, each with its trust, and intervals.</summary>
public sealed record ApproachPlan
{
    public required string Task { get; init; }
    public required string Approach { get; init; }
    public required string Metric { get; init; }
    public required PlanBudget Budget { get; init; }
    public required PlanResult Plan { get; init; }
    public required PlanTrust Trust { get; init; }
    public required PlanTrust ChinchillaTrust { get; init; }
    /// <summary>Bootstrap intervals of N, D, k, tokens_per_param and predicted (null without replicates).</summary>
    public IReadOnlyDictionary<string, Interval>? Intervals { get; init; }
    public int Replicates { get; init; }
}

/// <summary>The one planner front end: plans every approach of a task, with intervals over replicates and trust.</summary>
public static class TaskPlanner
{
    public static List<ApproachPlan> Plan(FittedTask task, PlanBudget budget, double? level)
    {
        if (level is { } lv) Percentile.CheckLevel(lv);
        var list = new List<ApproachPlan>();
        foreach (var a in task.Approaches)
        {
            var plan = Planner.Plan(a.Metric, budget, a.Stage1, a.BaselineN);
            var o = plan.Optimum; var c = plan.Chinchilla;
            double? cInf = budget.CTotal is null && budget.FixedK is null && budget.Dollars is null ? budget.CInf : null;
            double RawK(PlanPoint p) => budget.Dollars is { } usd
                ? HardwareCost.SamplesFor(usd.Device, usd.Shape, p.N, usd.UsdPerQuery, usd.MaxLatencySeconds)
                : budget.FixedK ?? (budget.CTotal is null ? budget.CInf / (2 * p.N) : p.K);
            double? Valley(PlanPoint p) => T2.Core.Health.HealthChecks.RelativeSpread(a.Valley.Select(m => m.Evaluate(p.N, p.D, p.K)));
            var trust = PlanTrustAssessor.Assess(o.N, o.D, o.K, RawK(o), a.Range, a.Health, cInf, plan.AtSearchBoundary,
                [plan.FlatNMin, plan.FlatNMax], Valley(o), Released(a, o.N, o.D, o.K, o.Predicted), Spend(o));
            // End to end, the baseline's k ≥ 1 floor can buy samples the budget cannot pay for: say what it spends.
            (double, double)? Spend(PlanPoint p) => budget.CTotal is { } tot
                ? (Budgets.TotalFlops(p.N, p.D + budget.PostTrainingTokens, p.K, budget.Queries * budget.TokensPerQuery), tot) : null;
            var ctrust = PlanTrustAssessor.Assess(c.N, c.D, c.K, budget.CTotal is null ? RawK(c) : plan.ChinchillaRawK, a.Range, a.Health, cInf,
                valleySpread: Valley(c), released: Released(a, c.N, c.D, c.K, c.Predicted), totalSpend: Spend(c));
            IReadOnlyDictionary<string, Interval>? iv = null;
            if (level is { } l && a.Replicates.Count > 0)
            {
                var pts = a.Replicates.Select(r => TryPlan(r.Metric, budget, r.Stage1, r.BaselineN)).Where(p => p is not null).Select(p => p!).ToList();
                if (pts.Count > 0)
                    iv = new Dictionary<string, Interval>
                    {
                        ["N"] = Percentile.Of(pts.Select(p => p.N), l, o.N), ["D"] = Percentile.Of(pts.Select(p => p.D), l, o.D),
                        ["k"] = Percentile.Of(pts.Select(p => p.K), l, o.K),
                        ["tokens_per_param"] = Percentile.Of(pts.Select(p => p.TokensPerParameter), l, o.TokensPerParameter),
                        ["predicted"] = Percentile.Of(pts.Select(p => p.Predicted), l, o.Predicted),
                    };
            }
            list.Add(new ApproachPlan
            {
                Task = task.Task, Approach = a.Approach, Metric = a.Metric.Name, Budget = budget, Plan = plan, Trust = trust,
                ChinchillaTrust = ctrust, Intervals = iv, Replicates = a.Replicates.Count,
            });
        }
        return list;
    }

    /// <summary>Trust of a prediction at a given (N, D, k) (no budget: k is taken as given).</summary>
    public static PlanTrust PredictTrust(FittedApproach a, double n, double d, double k) =>
        PlanTrustAssessor.Assess(n, d, k, k, a.Range, a.Health, valleySpread: T2.Core.Health.HealthChecks.RelativeSpread(a.Valley.Select(m => m.Evaluate(n, d, k))),
            released: Released(a, n, d, k, a.Metric.Evaluate(n, d, k)));

    /// <summary>How far releasing a bound moves this forecast: the largest shift over the released optima (see
    /// <see cref="T2.Core.Health.ForecastSensitivity"/>); an empty list (nothing to release) is a shift of 0; null when not recorded.</summary>
    private static ReleasedShift? Released(FittedApproach a, double n, double d, double k, double forecast)
    {
        if (a.Released is null) return null;
        var worst = T2.Core.Health.ForecastSensitivity.LargestShift(forecast, a.Released.Select(r => (r.Parameter, r.Metric.Evaluate(n, d, k))));
        return worst is { } w ? new ReleasedShift(w.Parameter, w.Shift) : new ReleasedShift(null, 0);
    }

    private static PlanPoint? TryPlan(PlanMetric m, PlanBudget b, Laws.ChinchillaLaw s1, Func<double, double>? baselineN)
    {
        try { return Planner.Plan(m, b, s1, baselineN).Optimum; } catch (ArgumentException) { return null; }
    }

    /// <summary>The frontier: the plan at each training budget, in budget order, per approach; with <paramref name="level"/> and
    /// replicates, each plan carries its bootstrap intervals (every replicate re-planned at that budget).</summary>
    public static List<ApproachPlan> Frontier(FittedTask task, IReadOnlyList<double> cTrain, double cInf, bool integerK, double postTrainingTokens = 0,
        double? level = null)
    {
        var plans = new ApproachPlan[cTrain.Count][];
        Parallel.For(0, cTrain.Count, i =>
            plans[i] = Plan(task, new PlanBudget { CTrain = cTrain[i], CInf = cInf, IntegerK = integerK, PostTrainingTokens = postTrainingTokens }, level).ToArray());
        return plans.SelectMany(p => p).OrderBy(p => p.Approach, StringComparer.Ordinal).ThenBy(p => p.Budget.CTrain).ToList();
    }

    /// <summary>Log-spaced budgets from <paramref name="from"/> to <paramref name="to"/> (the frontier's x axis).</summary>
    public static double[] LogSpaced(double from, double to, int points)
    {
        if (!(from > 0 && to > from)) throw new ArgumentException($"budgets: need 0 < from < to (got {from:G3}, {to:G3}).");
        if (points < 2 || points > 10_000) throw new ArgumentException($"budgets: {points} points; between 2 and 10,000.");
        return Enumerable.Range(0, points).Select(i => Math.Exp(Math.Log(from) + (Math.Log(to) - Math.Log(from)) * i / (points - 1))).ToArray();
    }
}
