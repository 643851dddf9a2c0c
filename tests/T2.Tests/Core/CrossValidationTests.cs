using MathNet.Numerics.Distributions;
using T2.Core.Evidence;
using T2.Core.Fitting;
using T2.Core.Laws;

namespace T2.Tests.Core;

public class CrossValidationTests
{
    /// <summary>Likelihood evidence drawn from a known Approach 2 law: per question p ~ Beta(μν, (1 − μ)ν), nll = −log p.</summary>
    private static List<CheckpointEvidence> Synthetic(Approach2Law law, int seed)
    {
        var rng = new Random(seed);
        var list = new List<CheckpointEvidence>();
        foreach (double n in new[] { 1e6, 3e6, 1e7, 3e7, 1e8, 3e8 })
            foreach (double ratio in new[] { 5.0, 20, 80, 320 })
            {
                double d = n * ratio, loss = law.Loss.Predict(n, d), mu = law.Mu(loss), nu = law.Nu(loss);
                var beta = new Beta(mu * nu, (1 - mu) * nu, rng);
                var nll = Enumerable.Range(0, 300).Select(_ => -Math.Log(Math.Max(beta.Sample(), 1e-300))).ToArray();
                list.Add(new CheckpointEvidence($"n{n:G2}-r{ratio}", n, d, nll, null, null));
            }
        return list;
    }

    [Fact]
    public void Approach2Cv_SplitsTheErrorByStage_AsAnIndependentRefitComputesIt()
    {
        var law = new Approach2Law(new ChinchillaLaw(1.2, 300, 900, 0.35, 0.30), 2.2, 3.0, 0.8, 1.0, 0.3);
        var cps = Synthetic(law, 4);
        var options = new T2FitOptions { Approach1 = false };
        var (_, cv) = CrossValidation.T2Task("t", cps, options, CvSpec.Parse("largest:1"));
        var fold = Assert.Single(cv!.Folds);
        Assert.Null(fold.Impossible);

        // The same refit by hand (CV fits serially, without bootstrap, on the full data's k grid): its stage 1 against the
        // left-out checkpoints' k = 1 NLL, and its stage 2 fed that observed NLL.
        var ks = T2TaskFit.DefaultKGrid(cps);
        var o = options with { KGrid = ks, A1 = options.A1 with { Parallel = false }, A2 = options.A2 with { Parallel = false } };
        var refit = T2TaskFit.Fit("t", cps.Where(c => c.N < 3e8).ToList(), o).Approach2!.Law;
        var held = cps.Where(c => c.N == 3e8).Select(c => (c, curve: c.Curve(ks, CountTarget.Aggregate))).ToList();
        double s1 = held.Average(h => (refit.Loss.Predict(h.c.N, h.c.D) - h.curve.NllK[0]) / h.curve.NllK[0]);
        var s2 = held.SelectMany(h => ks.Select((k, q) => (refit.AccuracyAtLoss(h.curve.NllK[0], k) - h.curve.AccK[q]) / h.curve.AccK[q])).ToList();
        Assert.Equal(s1, fold.StageOneSignedRelativeError!.Value, 12);
        Assert.Equal(s2.Average(), fold.StageTwoSignedRelativeError!.Value, 12);
        Assert.Equal(s2.Average(Math.Abs), fold.StageTwoRelativeError!.Value, 12);
        Assert.Equal(fold.StageTwoRelativeError, cv.MeanStageTwoRelativeError);
    }
}
