namespace T2.Core.Optimization;

/// <summary>Which stopping rule fired. Only Gradient and RelativeReduction count as converged.</summary>
public enum StopReason
{
    /// <summary>Largest projected gradient component ≤ gtol.</summary>
    Gradient,
    /// <summary>Relative decrease (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol.</summary>
    RelativeReduction,
    /// <summary>
    /// Step length below machine precision relative to x: no further progress is representable. Not counted as converged:
    /// the point may still sit on a slope (the gradient says how steep), which health reports.
    /// </summary>
    StepTooSmall,
    /// <summary>The iteration cap was reached.</summary>
    MaxIterations,
    /// <summary>The line search could not find a decrease along a descent direction.</summary>
    LineSearchFailed,
    /// <summary>f or ∇f was NaN or infinite at the start point.</summary>
    NonFiniteStart,
}

/// <summary>The outcome of one local minimisation; non-convergence is reported here, never thrown.</summary>
public sealed record OptimizeResult(
    double[] X,
    double F,
    double[] Gradient,
    double ProjectedGradientNorm,
    bool Converged,
    StopReason Reason,
    int Iterations,
    int Evaluations);

/// <summary>Solver settings, kept apart from the problem (objective, start, bounds).</summary>
public sealed record LbfgsOptions
{
    /// <summary>Memory (number of correction pairs).</summary>
    public int Memory { get; set; } = 10;
    public int MaxIterations { get; set; } = 1000;
    /// <summary>Stop when max |projected gradient| ≤ this.</summary>
    public double GradientTolerance { get; set; } = 1e-10;
    /// <summary>Stop when the relative decrease of f over one iteration is ≤ this (scipy's ftol).</summary>
    public double RelativeTolerance { get; set; } = 1e-14;
    public int MaxLineSearchSteps { get; set; } = 40;

    public static LbfgsOptions Default { get; } = new();
}
