using T2.Core.Optimization;
using T2.Core.PassK;
using T2.Core.Special;
using static MathNet.Numerics.SpecialFunctions;

namespace T2.Core.Fitting;

/// <summary>
/// Goodness of the Beta assumption for one checkpoint (beyond the paper, t2-maths.md §5): Beta(a, b) fitted by maximum
/// likelihood to the per-question p (likelihood evidence) or beta-binomial to (n, c) (count evidence), and the largest gap
/// between the Beta-implied and the empirical Acc_k over the k grid.
/// </summary>
public sealed record BetaDiagnosticResult(double A, double B, double LogLikelihood, double MaxAccGap, double GapAtK, bool Converged);

public static class BetaDiagnostic
{
    private sealed class BetaBinomialNll(long[] n, long[] c) : Objective
    {
        public override int Dimension => 2;
        public override double Evaluate(ReadOnlySpan<double> x, Span<double> g)
        {
            double a = Math.Exp(x[0]), b = Math.Exp(x[1]);
            double f = 0, ga = 0, gb = 0, psiAB = DiGamma(a + b), psiA = DiGamma(a), psiB = DiGamma(b), lnB = BetaLn(a, b);
            for (int i = 0; i < n.Length; i++)
            {
                // log P(c | n, a, b) = log C(n, c) + lnB(c + a, n − c + b) − lnB(a, b); the binomial coefficient is constant.
                f -= BetaLn(c[i] + a, n[i] - c[i] + b) - lnB;
                double psiN = DiGamma(n[i] + a + b);
                ga -= DiGamma(c[i] + a) - psiN - psiA + psiAB;
                gb -= DiGamma(n[i] - c[i] + b) - psiN - psiB + psiAB;
            }
            g[0] = ga * a; g[1] = gb * b;
            return f;
        }
    }

    private sealed class BetaNll(double[] logP, double[] log1mP) : Objective
    {
        public override int Dimension => 2;
        public override double Evaluate(ReadOnlySpan<double> x, Span<double> g)
        {
            double a = Math.Exp(x[0]), b = Math.Exp(x[1]);
            double sp = 0, sq = 0;
            for (int i = 0; i < logP.Length; i++) { sp += logP[i]; sq += log1mP[i]; }
            int m = logP.Length;
            double f = -((a - 1) * sp + (b - 1) * sq - m * BetaLn(a, b));
            double psiAB = DiGamma(a + b);
            g[0] = -(sp - m * (DiGamma(a) - psiAB)) * a;
            g[1] = -(sq - m * (DiGamma(b) - psiAB)) * b;
            return f;
        }
    }

    /// <summary>Beta-binomial maximum likelihood on counts, gap measured on unbiased Acc_k at <paramref name="ks"/>.</summary>
    public static BetaDiagnosticResult FromCounts(long[] n, long[] c, double[] ks)
    {
        double mean = 0; for (int i = 0; i < n.Length; i++) mean += (double)c[i] / n[i];
        mean = Math.Clamp(mean / n.Length, 1e-4, 1 - 1e-4);
        var r = Best(new BetaBinomialNll(n, c), mean);
        return Summarise(r, ks, k => TaskPassAtK.MeanUnbiased(n, c, k));
    }

    /// <summary>Beta maximum likelihood on p = e^−nll (clamped into [1e−300, 1 − 1e−15]), gap measured on exact Acc_k.</summary>
    public static BetaDiagnosticResult FromNll(double[] nll, double[] ks)
    {
        var p = nll.Select(v => Math.Clamp(Math.Exp(-v), 1e-300, 1 - 1e-15)).ToArray();
        var r = Best(new BetaNll(p.Select(v => Math.Log(v)).ToArray(), p.Select(v => Precise.Log1p(-v)).ToArray()), Math.Clamp(p.Average(), 1e-4, 1 - 1e-4));
        return Summarise(r, ks, k => TaskPassAtK.MeanFromNll(nll, k));
    }

    private static OptimizeResult Best(Objective f, double mean)
    {
        var opt = new Lbfgs(2);
        OptimizeResult? best = null;
        foreach (var conc in new[] { 0.1, 1, 10, 100 })
        {
            var r = opt.Minimize(f, [Math.Log(mean * conc), Math.Log((1 - mean) * conc)], new LbfgsOptions { MaxIterations = 500 }, [-12, -12], [15, 15]);
            if (double.IsFinite(r.F) && (best is null || r.F < best.F)) best = r;
        }
        return best ?? new OptimizeResult([double.NaN, double.NaN], double.NaN, [0, 0], double.NaN, false, StopReason.NonFiniteStart, 0, 0);
    }

    private static BetaDiagnosticResult Summarise(OptimizeResult r, double[] ks, Func<double, double> empirical)
    {
        double a = Math.Exp(r.X[0]), b = Math.Exp(r.X[1]);
        double gap = 0, at = double.NaN;
        if (double.IsFinite(a) && double.IsFinite(b))
            foreach (var k in ks)
            {
                double diff = Math.Abs(BetaFunctions.ExpectedPassAtK(a, b, k) - empirical(k));
                if (diff > gap || double.IsNaN(at)) { gap = Math.Max(gap, diff); at = k; }
            }
        return new BetaDiagnosticResult(a, b, -r.F, gap, at, r.Converged);
    }
}
