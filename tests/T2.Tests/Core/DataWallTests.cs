using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;

namespace T2.Tests.Core;

public class DataWallTests
{
    private static readonly ChinchillaLaw Base = new(1.7, 400, 1100, 0.34, 0.28);
    private static readonly Approach2Law A2 = new(new ChinchillaLaw(1.2, 300, 900, 0.35, 0.30), 2.2, 3.0, 0.8, 1.0, 0.3);

    [Fact]
    public void EffectiveData_FollowsMuennighoffsClosedForm()
    {
        var w = DataWallLaw.Published;
        Assert.Equal(5e5, w.EffectiveD(5e5, 1e6));                           // within the first epoch every token is fresh
        Assert.Equal(1e6, w.EffectiveD(1e6, 1e6), 1e-6);
        Assert.Equal(1e6 + 1e6 * 15.4 * (1 - Math.Exp(-1 / 15.4)), w.EffectiveD(2e6, 1e6), 1e-3);
        Assert.Equal(1e6 * (1 + 15.4), w.EffectiveD(1e12, 1e6), 1);         // infinite repetition is worth R*_D more epochs
        Assert.True(w.EffectiveD(4e6, 1e6) > 0.9 * 4e6);                     // ~4 epochs: nearly as good as unique (their finding)
        // N_opt(U) balances the marginal terms: αA/N^α = βB/U^β.
        double u = 3e9, nOpt = DataWallLaw.OptimalNFor(Base, u);
        Assert.Equal(Base.Beta * Base.B * Math.Pow(u, -Base.Beta), Base.Alpha * Base.A * Math.Pow(nOpt, -Base.Alpha), 1e-12);
        Assert.Equal(nOpt / 2, w.EffectiveN(nOpt / 2, u, Base), 1e-6);       // no excess parameters: N′ = N
        Assert.True(w.EffectiveN(10 * nOpt, u, Base) < 10 * nOpt);
        Assert.Equal(nOpt * (1 + 5.3), w.EffectiveN(1e30, u, Base), nOpt * 1e-6);
    }

    private static List<WallRun> Runs(Func<double, double, double, double> loss, double noise, int seed)
    {
        var rng = new Random(seed);
        var runs = new List<WallRun>();
        foreach (double n in new[] { 2e4, 6e4, 2e5 })
            foreach (double ep in new[] { 1, 2, 4, 8, 16, 32, 64 })
            {
                double d = 3e6, u = d / ep;
                runs.Add(new WallRun($"n{n}-e{ep}", n, d, u, loss(n, d, u) * (1 + noise * (rng.NextDouble() - 0.5))));
            }
        return runs;
    }

    [Fact]
    public void Fit_RecoversRStarD_AndPrefersTheTrueForm()
    {
        var truth = new DataWallLaw(WallForm.Muennighoff, 6.0, 5.3, 0);
        var r = DataWallFit.Fit("t", Base, Runs((n, d, u) => truth.Loss(Base, n, d, u), 0.002, 1));
        Assert.InRange(r.Muennighoff.Law.RStarD, 5.0, 7.2);
        Assert.True(r.Muennighoff.RmsLogResidual < r.Penalty.RmsLogResidual);
        Assert.True(r.Muennighoff.HeldOut is { } h && Math.Abs(h.RelativeError) < 0.01);
        Assert.True(r.NoWallMeanAbsRelativeError > 3 * r.Muennighoff.MeanAbsRelativeError);
        Assert.Equal(r.Runs.Count, r.Muennighoff.LeaveOneOut.Count);

        var pen = new DataWallLaw(WallForm.Penalty, 0, 0, 0.02);
        var q = DataWallFit.Fit("t", Base, Runs((n, d, u) => pen.Loss(Base, n, d, u), 0.002, 2));
        Assert.InRange(q.Penalty.Law.Lambda, 0.018, 0.022);
        Assert.True(q.Penalty.RmsLogResidual < q.Muennighoff.RmsLogResidual);
    }

    [Fact]
    public void Fit_FlagsWhatTheRunsCannotIdentify()
    {
        var truth = DataWallLaw.Published;
        var small = Runs((n, d, u) => truth.Loss(Base, n, d, u), 0, 3).Where(x => x.N == 2e4).ToList();
        var r = DataWallFit.Fit("t", Base, small);
        Assert.Equal(!small.Any(x => x.N > DataWallLaw.OptimalNFor(Base, x.U)), r.Health.Any(f => f.Code == "r_star_n_unidentified"));
        var same = small.Where(x => Math.Abs(x.Epochs - 8) < 1e-9).Concat(small.Where(x => Math.Abs(x.Epochs - 8) < 1e-9).Select(x => x with { Name = "copy" })).ToList();
        Assert.Contains(DataWallFit.Fit("t", Base, same).Health, f => f.Code == "one_repetition_level");
        Assert.Throws<ArgumentException>(() => DataWallFit.Fit("t", Base, small.Take(1).ToList()));
        Assert.Throws<ArgumentException>(() => DataWallFit.Fit("t", Base, small.Where(x => x.Epochs == 1).Concat(small.Where(x => x.Epochs == 1)).ToList()));
    }

    [Fact]
    public void PlanAtTheWall_MatchesBruteForce_CostsAccuracy_AndIsFreeWithAmpleData()
    {
        var task = FittedTasks.From("t", null, null, null, null, null, A2, new FitRange(1e7, 1e10, 1e10, 1e13, 1, 1e4, 1, 1e4), [], null, null);
        var budget = new PlanBudget { CTrain = 1e21, CInf = 1.4e11 };
        var free = TaskPlanner.Plan(task, budget, null).Single();
        double u = free.Plan.Optimum.D / 50;                                   // the unlimited optimum would need 50 epochs
        var walled = TaskPlanner.Plan(DataWall.Apply(task, u, DataWallLaw.Published, "published", true), budget, null).Single();
        var w = DataWallLaw.Published;
        double best = 0, arg = 0;
        for (int i = 0; i <= 100_000; i++)
        {
            double n = Math.Exp(Math.Log(1e3) + (Math.Log(7e10) - Math.Log(1e3)) * i / 100_000);
            double v = A2.AccuracyAtLoss(w.Loss(A2.Loss, n, 1e21 / (6 * n), u), 1.4e11 / (2 * n));
            if (v > best) { best = v; arg = n; }
        }
        Assert.InRange(walled.Plan.Optimum.N / arg, 0.99, 1.01);
        Assert.True(walled.Plan.Optimum.Predicted < free.Plan.Optimum.Predicted);  // the wall costs accuracy
        Assert.True(walled.Plan.Optimum.N > free.Plan.Optimum.N);                  // and moves the optimum to a larger, less repeated model
        Assert.Contains("data wall from published constants", walled.Trust.Verdict);
        var ample = TaskPlanner.Plan(DataWall.Apply(task, 1e30, DataWallLaw.Published, "published", true), budget, null).Single();
        Assert.Equal(free.Plan.Optimum.N, ample.Plan.Optimum.N, free.Plan.Optimum.N * 1e-9);
    }

    [Fact]
    public void SamplingPolicies_CombineWithTheWall_AtTheWalledLoss()
    {
        var task = FittedTasks.From("t", null, null, null, null, null, A2, new FitRange(1e7, 1e10, 1e10, 1e13, 1, 1e4, 1, 1e4), [], null, null);
        var budget = new PlanBudget { CTrain = 1e21, CInf = 1.4e11 };
        double u = TaskPlanner.Plan(task, budget, null).Single().Plan.Optimum.D / 50;
        var w = DataWallLaw.Published;
        foreach (var (policy, atLoss) in new (Func<FittedTask, FittedTask>, Func<double, double, double>)[]
        {
            (StopOnSuccess.Apply, (loss, m) => A2.AccuracyAtLoss(loss, StopOnSuccess.Cap(A2, loss, m))),
            (AdaptiveK.Apply, (loss, m) => Math.Max(AdaptiveK.ExpectedPassRate(A2.Mu(loss) * A2.Nu(loss), (1 - A2.Mu(loss)) * A2.Nu(loss), m), A2.AccuracyAtLoss(loss, m))),
        })
        {
            var walled = DataWall.Apply(policy(task), u, w, "published", true).Approaches.Single();
            Assert.Null(walled.Metric.Law);                                   // a policy applied after the wall has nothing to act on
            foreach (var (n, d, k) in new[] { (3e8, 5e11, 7.0), (1e9, 1e12, 40.0), (5e7, 3e12, 1.5) })
            {
                double loss = w.Loss(A2.Loss, n, d, u);
                Assert.Equal(loss, walled.Metric.StageOneLoss!(n, d), 12);
                Assert.Equal(atLoss(loss, k), walled.Metric.Evaluate(n, d, k), 12);
            }
            // Ample unique data leaves the policy's plan as it was.
            var free = TaskPlanner.Plan(policy(task), budget, null).Single();
            var ample = TaskPlanner.Plan(DataWall.Apply(policy(task), 1e30, w, "published", true), budget, null).Single();
            Assert.Equal(free.Plan.Optimum.Predicted, ample.Plan.Optimum.Predicted, 9);
        }
    }

    [Fact]
    public void FiniteCorpus_RepeatsExactly()
    {
        var world = new T2.Testbed.World.SyntheticWorld(7, new T2.Testbed.World.WorldOptions());
        var (docs, tokens) = T2.Testbed.Training.TokenStream.Corpus(world, 5000);
        Assert.True(tokens >= 5000 && docs >= 1);
        var s = new T2.Testbed.Training.TokenStream(world, 0, 0, docs);
        var first = Enumerable.Range(0, (int)tokens).Select(_ => s.Next()).ToArray();
        var second = Enumerable.Range(0, (int)tokens).Select(_ => s.Next()).ToArray();
        Assert.Equal(first, second);
        var endless = new T2.Testbed.Training.TokenStream(world);
        Assert.Equal(first, Enumerable.Range(0, (int)tokens).Select(_ => endless.Next()).ToArray());
        Assert.NotEqual(first.Take(200), Enumerable.Range(0, 200).Select(_ => endless.Next()));
    }
}
