using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Special;

namespace T2.Tests.Core;

public class Approach2Tests
{
    [Fact]
    public void Stage2Objective_Gradient_MatchesFiniteDifferences()
    {
        double[] loss = [2.0, 2.5, 3.0, 3.5, 4.0, 2.2], k = [1, 4, 16, 100, 1000.5, 7], acc = [0.5, 0.4, 0.3, 0.5, 0.2, 0.45];
        var f = new Approach2Objective(loss, k, acc);
        double[] t = [3.0, 1.7, 0.6, 1.2, -0.4], g = new double[5], s = new double[5];
        f.Evaluate(t, g);
        for (int i = 0; i < 5; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(t[i]));
            var tp = (double[])t.Clone(); tp[i] += h; var tm = (double[])t.Clone(); tm[i] -= h;
            double fd = (f.Evaluate(tp, s) - f.Evaluate(tm, s)) / (2 * h);
            Assert.True(Math.Abs(fd - g[i]) <= 1e-6 * Math.Max(1e-3, Math.Abs(g[i])), $"∂θ{i}: analytic {g[i]} vs FD {fd}");
        }
    }
}
