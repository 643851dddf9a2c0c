using T2.Core.Fitting;
using T2.Core.Health;
using T2.Core.Laws;

namespace T2.Core.Planning;

/// <summary>
/// One approach of one fitted task, as the planner needs it: the metric and the stage-1 law that defines the Chinchilla
/// baseline, the range of the points the fit used, its health, its bootstrap replicates and its valley (indistinguishable
/// optima), each replicate or valley member with its own metric.
/// </summary>
public sealed record FittedApproach
{
    public required string Approach { get; init; }
    public required PlanMetric Metric { get; init; }
    public required ChinchillaLaw Stage1 { get; init; }
    public required FitRange Range { get; init; }
    public required IReadOnlyList<Finding> Health { get; init; }
    public IReadOnlyList<Replicate> Replicates { get; init; } = [];
    public IReadOnlyList<PlanMetric> Valley { get; init; } = [];
    /// <summary>The fit re-found with each at-bound parameter's bound released (<see cref="ForecastSensitivity"/>), one metric per
    /// released parameter; null when the fit did not record them (older fit files, the macro): its at-bound findings then
    /// stand as the fit graded them.</summary>
    public IReadOnlyList<ReleasedMetric>? Released { get; init; }
    /// <summary>The Chinchilla baseline's N at a training budget when it is not <see cref="Stage1"/>'s compute optimum (macro).</summary>
    public Func<double, double>? BaselineN { get; init; }
}

/// <summary>The metric of the fit re-found with <see cref="Parameter"/>'s bound released.</summary>
public sealed record ReleasedMetric(string Parameter, PlanMetric Metric);

/// <summary>One bootstrap replicate as the planner needs it (with the macro baseline's N when there is one).</summary>
public sealed record Replicate(PlanMetric Metric, ChinchillaLaw Stage1, Func<double, double>? BaselineN = null);

public sealed record FittedTask(string Task, IReadOnlyList<FittedApproach> Approaches);

public static class FittedTasks
{
    public static PlanMetric A1Metric(Approach1Law l) => new("nll_k", l.Predict, false) { Law1 = l };
    public static PlanMetric A2Metric(Approach2Law l) => new("acc_k", l.Predict, true) { Law = l, AtLoss = l.AccuracyAtLoss };

    /// <summary>
    /// The task with every Approach 2 metric (fit, replicates, valley) rebuilt from its law by <paramref name="metric"/> —
    /// a sampling policy such as <see cref="StopOnSuccess"/> or <see cref="AdaptiveK"/>. Approaches without a per-question
    /// law (Approach 1's NLL_k, the macro) are left out: the policy has nothing to act on there.
    /// </summary>
    public static FittedTask WithApproach2Metric(FittedTask t, Func<Approach2Law, PlanMetric> metric) => t with
    {
        Approaches = t.Approaches.Where(a => a.Metric.Law is not null).Select(a => a with
        {
            Metric = metric(a.Metric.Law!),
            Replicates = a.Replicates.Select(r => r with { Metric = r.Metric.Law is { } l ? metric(l) : r.Metric }).ToList(),
            Valley = a.Valley.Select(v => v.Law is { } l ? metric(l) : v).ToList(),
            Released = a.Released?.Select(r => r with { Metric = r.Metric.Law is { } l ? metric(l) : r.Metric }).ToList(),
        }).ToList(),
    };

    /// <summary>
    /// The planner's view of a task. The Chinchilla baseline's stage-1 law is Approach 2's stage 1 when there is one, else
    /// Approach 1 at k = 1 (floor E + G), for the full fit and (when Approach 2 is absent) for each replicate.
    /// </summary>
    public static FittedTask From(string task,
        Approach1Law? a1, FitRange? a1Range, IReadOnlyList<Finding>? a1Health, IReadOnlyList<Approach1Law>? a1Boot, IReadOnlyList<Approach1Law>? a1Valley,
        Approach2Law? a2, FitRange? a2Range, IReadOnlyList<Finding>? a2Health, IReadOnlyList<Approach2Law>? a2Boot, IReadOnlyList<Approach2Law>? a2Valley,
        IReadOnlyList<Finding>? taskHealth = null, IReadOnlyList<(string Parameter, Approach1Law Law)>? a1Released = null,
        IReadOnlyList<(string Parameter, Approach2Law Law)>? a2Released = null)
    {
        var list = new List<FittedApproach>();
        var th = taskHealth ?? [];
        if (a1 is not null)
        {
            var baseLaw = a2?.Loss ?? a1.AtKOne();
            list.Add(new FittedApproach
            {
                // The Beta check tests Approach 2's assumption; Approach 1 (NLL_k, no Beta) does not rest on it.
                Approach = "1", Metric = A1Metric(a1), Stage1 = baseLaw, Range = a1Range!,
                Health = [.. (a1Health ?? []), .. th.Where(f => f.Code != "beta_gap")],
                Replicates = (a1Boot ?? []).Select(b => new Replicate(A1Metric(b), a2 is null ? b.AtKOne() : baseLaw)).ToList(),
                Valley = (a1Valley ?? []).Select(A1Metric).ToList(),
                Released = a1Released?.Select(r => new ReleasedMetric(r.Parameter, A1Metric(r.Law))).ToList(),
            });
        }
        if (a2 is not null)
            list.Add(new FittedApproach
            {
                Approach = "2", Metric = A2Metric(a2), Stage1 = a2.Loss, Range = a2Range!, Health = [.. (a2Health ?? []), .. th],
                Replicates = (a2Boot ?? []).Select(b => new Replicate(A2Metric(b), b.Loss)).ToList(),
                Valley = (a2Valley ?? []).Select(A2Metric).ToList(),
                Released = a2Released?.Select(r => new ReleasedMetric(r.Parameter, A2Metric(r.Law))).ToList(),
            });
        return new FittedTask(task, list);
    }
}
