using T2.Core.Health;
using T2.Core.Laws;
using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>The best of a multi-start Chinchilla fit with its diagnostics, the range of its data and its health findings.</summary>
public sealed record ChinchillaFitResult
{
    public required ChinchillaLaw Law { get; init; }
    /// <summary>The optimum in the LSE parameterisation (a, b, e, α, β).</summary>
    public required double[] X { get; init; }
    public required double Objective { get; init; }
    public required LossObjective ObjectiveKind { get; init; }
    public required double HuberDelta { get; init; }
    public required int Points { get; init; }
    public required MultiStartDiagnostics Diagnostics { get; init; }
    /// <summary>Objective minimised by variable projection (squared error only; null otherwise).</summary>
    public double? VarProObjective { get; init; }
    /// <summary>The range of the points with weight &gt; 0.</summary>
    public required FitRange Range { get; init; }
    public required IReadOnlyList<Finding> Health { get; init; }

    public bool Converged => Diagnostics.Converged;
}
