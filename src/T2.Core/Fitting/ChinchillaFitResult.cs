using T2.Core.Laws;
using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>
/// The best of a multi-start fit with its diagnostics. <see cref="StartsNearBest"/> is a stability figure
/// (how reproducibly the optimiser finds this optimum), never an uncertainty.
/// </summary>
public sealed record ChinchillaFitResult
{
    public required ChinchillaLaw Law { get; init; }
    /// <summary>The optimum in the LSE parameterisation (a, b, e, α, β).</summary>
    public required double[] X { get; init; }
    public required double Objective { get; init; }
    public required LossObjective ObjectiveKind { get; init; }
    public required double HuberDelta { get; init; }
    public required int Points { get; init; }
    public required double GradientNorm { get; init; }
    public required bool Converged { get; init; }
    public required StopReason Reason { get; init; }
    public required int Iterations { get; init; }
    public required int Evaluations { get; init; }
    public required int StartsTried { get; init; }
    public required int StartsConverged { get; init; }
    /// <summary>Starts whose start point or path produced NaN/∞ (reported, never silently skipped).</summary>
    public required int StartsFailed { get; init; }
    public required int StartsNearBest { get; init; }
    /// <summary>The five best distinct objectives, ascending (to see how separated the optimum is).</summary>
    public required double[] BestObjectives { get; init; }
    /// <summary>Objective minimised by variable projection (squared error only; null otherwise).</summary>
    public double? VarProObjective { get; init; }
}
