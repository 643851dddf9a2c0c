using T2.Core.Health;
using T2.Core.Laws;

namespace T2.Core.Planning;

/// <summary>
/// Planning against the data wall (beyond the paper): a corpus of U unique tokens. Every metric of a task (fit, replicates,
/// valley) is revalued with its approach's law under <see cref="DataWallLaw"/> — Approach 2 maps the walled stage-1 loss
/// through its Beta, Approach 1 takes the same effective N′, D′ (or penalty). The Chinchilla baseline still picks its N from
/// the unlimited-data law (as a practitioner who ignores the wall would) and is scored under the wall.
/// </summary>
public static class DataWall
{
    /// <summary>
    /// The task under the wall; <paramref name="source"/> says where the wall law came from (for its health). A sampling policy
    /// (<see cref="StopOnSuccess"/>, <see cref="AdaptiveK"/>) applied before the wall is kept: Approach 2's metric is the
    /// policy's at the walled loss. The walled metrics carry no law (a policy applied after the wall would drop it) and
    /// say their loss in <see cref="PlanMetric.StageOneLoss"/>.
    /// </summary>
    public static FittedTask Apply(FittedTask t, double uniqueTokens, DataWallLaw wall, string source, bool published)
    {
        if (!(uniqueTokens >= 1) || !double.IsFinite(uniqueTokens)) throw new ArgumentException($"unique tokens {uniqueTokens} must be finite and ≥ 1.");
        PlanMetric Wall(PlanMetric m)
        {
            if (m.Law is { } a2)
            {
                var atLoss = m.AtLoss ?? a2.AccuracyAtLoss;
                double Loss(double n, double d) => wall.Loss(a2.Loss, n, d, uniqueTokens);
                return new PlanMetric(m.Name, (n, d, k) => atLoss(Loss(n, d), k), m.Maximize) { StageOneLoss = Loss };
            }
            if (m.Law1 is { } a1)
                return new PlanMetric(m.Name, (n, d, k) => wall.Loss(a1, n, d, k, uniqueTokens), m.Maximize);
            throw new ArgumentException($"task {t.Task}: metric {m.Name} has no law to revalue under the data wall.");
        }
        var note = published
            ? new Finding("data_wall_published", Severity.Warn, $"data wall: {wall} — published constants (Muennighoff et al. 2023), not fitted on these data")
            : new Finding("data_wall", Severity.Info, $"data wall: {wall}, fitted ({source})");
        return t with
        {
            Approaches = t.Approaches.Select(a => a with
            {
                Metric = Wall(a.Metric),
                Replicates = a.Replicates.Select(r => r with { Metric = Wall(r.Metric) }).ToList(),
                Valley = a.Valley.Select(Wall).ToList(),
                Released = a.Released?.Select(r => r with { Metric = Wall(r.Metric) }).ToList(),
                Health = [.. a.Health, note],
            }).ToList(),
        };
    }
}
