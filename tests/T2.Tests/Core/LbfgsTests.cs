using T2.Core.Optimization;

namespace T2.Tests.Core;

public class LbfgsTests
{
    private sealed class Rosenbrock(double scale = 1) : Objective
    {
        public override int Dimension => 2;
        public override double Evaluate(ReadOnlySpan<double> x, Span<double> g)
        {
            double a = 1 - x[0], b = x[1] - x[0] * x[0];
            g[0] = scale * (-2 * a - 400 * x[0] * b); g[1] = scale * 200 * b;
            return scale * (a * a + 100 * b * b);
        }
    }

    private sealed class Quadratic(double[] centre) : Objective
    {
        public override int Dimension => centre.Length;
        public override double Evaluate(ReadOnlySpan<double> x, Span<double> g)
        {
            double f = 0;
            for (int i = 0; i < x.Length; i++) { double d = x[i] - centre[i]; f += (i + 1) * d * d; g[i] = 2 * (i + 1) * d; }
            return f;
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1e-6)] // rescaled: the same minimum must be found when f is tiny (the Chinchilla-Huber regime)
    public void FindMinimum_Rosenbrock_Hard(double scale)
    {
        var opt = new Lbfgs(2);
        var r = opt.Minimize(new Rosenbrock(scale), [-1.2, 1.0], new LbfgsOptions { GradientTolerance = 1e-12 * scale, RelativeTolerance = 0 });
        Assert.True(r.Converged, r.Reason.ToString());
        Assert.Equal(1.0, r.X[0], 6);
        Assert.Equal(1.0, r.X[1], 6);
    }

    [Fact]
    public void CappedRun_ReportsMaxIterations_NotConverged()
    {
        var r = new Lbfgs(2).Minimize(new Rosenbrock(), [-1.2, 1.0], new LbfgsOptions { MaxIterations = 3, RelativeTolerance = 0, GradientTolerance = 0 });
        Assert.False(r.Converged);
        Assert.Equal(StopReason.MaxIterations, r.Reason);
        Assert.Equal(3, r.Iterations);
    }

    [Fact]
    public void Bounds_AreRespected_AndActiveBoundIsOptimal()
    {
        // min Σ (i+1)(x_i − c_i)² with c = (2, −3, 0.5) in the box [0, 1]³ → x = (1, 0, 0.5).
        var r = new Lbfgs(3).Minimize(new Quadratic([2, -3, 0.5]), [0.2, 0.2, 0.2], null, [0, 0, 0], [1, 1, 1]);
        Assert.True(r.Converged);
        Assert.Equal(1, r.X[0], 12); Assert.Equal(0, r.X[1], 12); Assert.Equal(0.5, r.X[2], 8);
    }

    [Fact]
    public void NonFiniteStart_IsReported_NotThrown()
    {
        var r = new Lbfgs(2).Minimize(new Rosenbrock(), [double.NaN, 1.0]);
        Assert.False(r.Converged);
        Assert.Equal(StopReason.NonFiniteStart, r.Reason);
    }
}
