namespace T2.Core.Optimization;

/// <summary>
/// A differentiable objective. <see cref="Evaluate"/> returns f(x) and writes ∇f(x) into
/// <paramref name="gradient"/> together (scipy's <c>jac=True</c>), so shared subexpressions are computed once.
/// Implementations hold their own scratch and are therefore not thread-safe: use one instance per thread.
/// </summary>
public abstract class Objective
{
    public abstract int Dimension { get; }

    public abstract double Evaluate(ReadOnlySpan<double> x, Span<double> gradient);
}
