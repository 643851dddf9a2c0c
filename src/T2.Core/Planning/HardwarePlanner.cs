namespace T2.Core.Planning;

/// <summary>A plan point with what it costs on a device: training dollars, and one query's dollars and latency.</summary>
public sealed record CostedPoint(PlanPoint Point, double TrainUsd, ServingCost Query);

/// <summary>
/// The FLOP-optimal and the dollar-optimal plan of one approach side by side on one device. <see cref="FlopDeployed"/> is
/// what the FLOP plan's model actually delivers when served at the dollar budget per query (its N and D, with the k those
/// dollars buy on the device): the fair comparison with <see cref="Dollar"/>.
/// </summary>
public sealed record HardwareComparison
{
    public required ApproachPlan Flop { get; init; }
    public required ApproachPlan Dollar { get; init; }
    public required CostedPoint FlopCost { get; init; }
    public required CostedPoint DollarCost { get; init; }
    public required CostedPoint ChinchillaCost { get; init; }
    public required PlanPoint FlopDeployed { get; init; }
    public required DollarBudget Budget { get; init; }
}

/// <summary>Plans in dollars beside plans in FLOPs (beyond the paper; see <see cref="HardwareCost"/> for the cost model).</summary>
public static class HardwarePlanner
{
    /// <summary>The FLOP budgets a dollar budget buys when every FLOP ran at the device's MFU: training at the training MFU
    /// (exact: MFU does not depend on N here), serving as if decode were compute-bound at the decode MFU, per generated
    /// token — the accounting a FLOP planner implicitly makes (Sardana et al. 2024 price FLOPs this way).</summary>
    public static (double CTrain, double CInf) FlopEquivalent(DollarBudget b)
    {
        double seconds = b.UsdPerQuery * 3600 / b.Device.UsdPerHour;
        return (HardwareCost.TrainFlopsForUsd(b.Device, b.TrainUsd), seconds * b.Device.PeakFlops * b.Device.MfuDecode / b.Shape.AnswerTokens);
    }

    /// <summary>The dollars the FLOP plan's optimum costs on the device: the budget at which to compare the dollar plan.</summary>
    public static DollarBudget EqualDollars(Hardware h, ServingShape s, PlanPoint flopOptimum, double? maxLatency) => new()
    {
        Device = h, Shape = s, TrainUsd = HardwareCost.TrainUsd(h, flopOptimum.N, flopOptimum.D),
        UsdPerQuery = HardwareCost.Query(h, s, flopOptimum.N, flopOptimum.K).Usd, MaxLatencySeconds = maxLatency,
    };

    public static CostedPoint Cost(Hardware h, ServingShape s, PlanPoint p, double postTokens = 0) =>
        new(p, HardwareCost.TrainUsd(h, p.N, p.D + postTokens), HardwareCost.Query(h, s, p.N, Math.Max(p.K, 0)));

    /// <summary>
    /// Every approach of the task planned twice: in FLOPs at <paramref name="flops"/> and in dollars at
    /// <paramref name="usd"/> (when null: the dollars the FLOP optimum costs, so the two spend the same on the device).
    /// </summary>
    public static List<HardwareComparison> Compare(FittedTask task, PlanBudget flops, Hardware h, ServingShape s, DollarBudget? usd,
        double? maxLatency, double? level)
    {
        var list = new List<HardwareComparison>();
        foreach (var fp in TaskPlanner.Plan(task, flops, level))
        {
            var budget = usd ?? EqualDollars(h, s, fp.Plan.Optimum with { D = fp.Plan.Optimum.D + flops.PostTrainingTokens }, maxLatency);
            var one = new FittedTask(task.Task, task.Approaches.Where(a => a.Approach == fp.Approach).ToList());
            var dp = TaskPlanner.Plan(one, flops with { Dollars = budget, CTotal = null, FixedK = null }, level).Single();
            var o = fp.Plan.Optimum;
            double kDeployed = HardwareCost.SamplesFor(h, s, o.N, budget.UsdPerQuery, budget.MaxLatencySeconds);
            if (flops.IntegerK) kDeployed = Math.Floor(kDeployed);
            var approach = one.Approaches[0];
            var deployed = new PlanPoint(o.N, o.D, kDeployed, o.TokensPerParameter,
                kDeployed > 0 ? approach.Metric.Evaluate(o.N, o.D, kDeployed) : double.NaN);
            list.Add(new HardwareComparison
            {
                Flop = fp, Dollar = dp, Budget = budget, FlopDeployed = deployed,
                FlopCost = Cost(h, s, o, flops.PostTrainingTokens), DollarCost = Cost(h, s, dp.Plan.Optimum, flops.PostTrainingTokens),
                ChinchillaCost = Cost(h, s, dp.Plan.Chinchilla, flops.PostTrainingTokens),
            });
        }
        return list;
    }
}
