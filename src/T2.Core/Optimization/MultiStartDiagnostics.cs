namespace T2.Core.Optimization;

/// <summary>
/// What a multi-start fit knows about its own search: the best start's stop rule and gradient, counts over all starts, the
/// next distinct optima, and the "valley" of statistically indistinguishable optima (see <see cref="Valley"/>).
/// </summary>
public sealed record MultiStartDiagnostics
{
    public required int StartsTried { get; init; }
    /// <summary>Starts that stopped on a convergence rule (Gradient or RelativeReduction).</summary>
    public required int StartsConverged { get; init; }
    /// <summary>Starts whose start point or path produced NaN/∞ (counted, never skipped silently).</summary>
    public required int StartsFailed { get; init; }
    /// <summary>Converged starts within 1e−9·max(1, |f*|) of the best: a stability figure, never an uncertainty (≤ converged).</summary>
    public required int StartsNearBest { get; init; }
    public required bool Converged { get; init; }
    public required StopReason Reason { get; init; }
    /// <summary>Largest projected-gradient component at the best start's end point.</summary>
    public required double GradientNorm { get; init; }
    /// <summary>The tolerance the gradient is judged against (the search stage's gtol).</summary>
    public required double GradientTolerance { get; init; }
    public required int Iterations { get; init; }
    public required int Evaluations { get; init; }
    /// <summary>Up to five distinct finite objectives, ascending.</summary>
    public required double[] BestObjectives { get; init; }
    /// <summary>
    /// End points (in the fit's parameterisation) of up to 32 distinct starts whose objective lies within
    /// <see cref="ValleyWindow"/> of the best: f* / (observations − parameters), one residual's average share of the
    /// objective — for squared error that is Δχ² ≤ 1 at the fit's own noise level. Their disagreement at a point is how
    /// much the data leave undecided there (<c>flat_valley</c>).
    /// </summary>
    public required double[][] Valley { get; init; }
    public required double ValleyWindow { get; init; }

    public static MultiStartDiagnostics Failed(int startsTried, int failed, double gtol) => new()
    {
        StartsTried = startsTried, StartsConverged = 0, StartsFailed = failed, StartsNearBest = 0, Converged = false,
        Reason = StopReason.NonFiniteStart, GradientNorm = double.NaN, GradientTolerance = gtol, Iterations = 0, Evaluations = 0,
        BestObjectives = [], Valley = [], ValleyWindow = double.NaN,
    };
}
