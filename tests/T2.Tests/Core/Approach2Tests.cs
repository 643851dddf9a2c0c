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

public class Approach2RecoveryTests
{
    [Fact]
    public void Fit_RecoversApproach2_FromPerQuestionBetaDraws()
    {
        // Given a stage-1 law and θ, per checkpoint draw 3,000 questions' p ~ Beta(μν, (1−μ)ν) at L = L(N, D), and form the
        // exact Acc_k = mean 1 − (1 − p)^k (likelihood evidence: no sampling noise beyond the finite question set).
        var loss = new T2.Core.Laws.ChinchillaLaw(1.2, 300, 900, 0.35, 0.30);
        var truth = new T2.Core.Laws.Approach2Law(loss, 2.2, 3.0, 0.8, 1.0, 0.3);
        var rng = new Random(5);
        var n = new List<double>(); var d = new List<double>(); var nll1 = new List<double>();
        var oc = new List<int>(); var ok = new List<double>(); var oa = new List<double>();
        double[] ks = [1, 2, 4, 8, 16, 32, 64];
        foreach (var N in new[] { 1e7, 3e7, 1e8, 3e8, 1e9 })
            foreach (var ratio in new[] { 5.0, 20, 80, 320 })
            {
                double D = ratio * N, L = loss.Predict(N, D);
                double mu = truth.Mu(L), nu = truth.Nu(L);
                var beta = new MathNet.Numerics.Distributions.Beta(mu * nu, (1 - mu) * nu, rng);
                var p = Enumerable.Range(0, 3000).Select(_ => beta.Sample()).ToArray();
                int j = n.Count;
                n.Add(N); d.Add(D); nll1.Add(L);
                foreach (var k in ks) { oc.Add(j); ok.Add(k); oa.Add(p.Average(x => T2.Core.PassK.PassAtK.FromProbability(x, k))); }
            }
        var r = Approach2Fit.Fit(n.ToArray(), d.ToArray(), nll1.ToArray(), oc.ToArray(), ok.ToArray(), oa.ToArray());
        // Stage 1 sees the law exactly (up to the 40-value E grid), so its predictions agree to 0.5 %.
        for (int j = 0; j < n.Count; j++) Assert.InRange(r.Law.Loss.Predict(n[j], d[j]) / nll1[j], 0.995, 1.005);
        // Stage 2: the sampling error of 3,000 questions is ~0.01 in Acc_k; predictions must match truth within 0.02.
        for (int i = 0; i < oa.Count; i++)
            Assert.InRange(r.Law.Predict(n[oc[i]], d[oc[i]], ok[i]) - truth.Predict(n[oc[i]], d[oc[i]], ok[i]), -0.02, 0.02);
        Assert.InRange(r.Law.Theta0, 2.2 - 0.15, 2.2 + 0.15);
        Assert.InRange(r.Law.Theta2, 0.8 - 0.08, 0.8 + 0.08);
        Assert.True(r.Diagnostics.StartsConverged > 0);
    }

    [Fact]
    public void BetaDiagnostic_RecoversBeta_FromBetaBinomialCounts_AndFlagsANonBetaMixture()
    {
        var rng = new Random(9);
        var beta = new MathNet.Numerics.Distributions.Beta(0.4, 6, rng);
        long[] n = Enumerable.Repeat(200L, 4000).ToArray();
        long[] c = n.Select(x => (long)MathNet.Numerics.Distributions.Binomial.Sample(rng, beta.Sample(), (int)x)).ToArray();
        double[] ks = [1, 4, 16, 64, 200];
        var fit = BetaDiagnostic.FromCounts(n, c, ks);
        Assert.InRange(fit.A, 0.35, 0.45);
        Assert.InRange(fit.B, 5.0, 7.2);
        Assert.True(fit.MaxAccGap < 0.01, $"gap {fit.MaxAccGap}");
        // Half the questions always right, half never: no Beta fits a two-point mixture well at large k... except a U-shape;
        // use a three-point mixture at 0, 0.5 and 1 which a Beta cannot match.
        long[] c2 = Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? 0L : i % 3 == 1 ? (long)MathNet.Numerics.Distributions.Binomial.Sample(rng, 0.5, 200) : 200L).ToArray();
        var bad = BetaDiagnostic.FromCounts(Enumerable.Repeat(200L, 3000).ToArray(), c2, ks);
        Assert.True(bad.MaxAccGap > 3 * fit.MaxAccGap, $"mixture gap {bad.MaxAccGap} vs Beta data {fit.MaxAccGap}");
    }
}
