using T2.Core.Laws;
using T2.Core.Planning;

namespace T2.Tests.Core;

public class HardwareCostTests
{
    private static readonly Hardware H100 = new()
    {
        Name = "H100", PeakFlops = 989.4e12, MemoryBandwidth = 3.35e12, MemoryBytes = 80e9, UsdPerHour = 3, MfuTrain = 0.5, MfuPrefill = 0.5,
        MfuDecode = 0.5, BandwidthUtilisation = 0.8,
    };
    private static readonly Approach2Law A2 = new(new ChinchillaLaw(1.2, 300, 900, 0.35, 0.30), 2.2, 3.0, 0.8, 1.0, 0.3);

    [Fact]
    public void KvCache_PerToken_MatchesALlamaShapedModel()
    {
        // d_model 4096, 32 layers (ratio 128): N = 12·32·4096² = 6.44e9; K and V of 32 layers × 4096 channels × 2 bytes.
        double n = 12.0 * 32 * 4096 * 4096;
        Assert.Equal(2.0 * 32 * 4096 * 2, HardwareCost.KvBytesPerToken(H100, new ServingShape { AspectRatio = 128 }, n), 1e-6);
        Assert.Equal(2.0 * 32 * 4096 * 2 / 4, HardwareCost.KvBytesPerToken(H100, new ServingShape { AspectRatio = 128, KvShare = 0.25 }, n), 1e-6);
    }

    [Fact]
    public void SardanaAccounting_ComputeBoundEverywhere_PricesFlopsAtMfu()
    {
        // Sardana et al. 2024: training and prompts at 50 % MFU, generation at 1 %. With unlimited bandwidth every step is
        // compute-bound and the dollars are the FLOPs priced at those MFUs: a closed form.
        var h = H100 with { MfuDecode = 0.01, MemoryBandwidth = 1e30 };
        var s = new ServingShape { PromptTokens = 500, AnswerTokens = 200 };
        double n = 7e9, d = 2e12, k = 3;
        Assert.Equal(6 * n * d / (h.PeakFlops * 0.5) * 3 / 3600, HardwareCost.TrainUsd(h, n, d), 1e-6);
        double expected = (2 * n * 500 / (h.PeakFlops * 0.5) + k * 200 * 2 * n / (h.PeakFlops * 0.01)) * 3 / 3600;
        var c = HardwareCost.Query(h, s, n, k);
        Assert.Equal(expected, c.Usd, expected * 1e-12);
        Assert.False(c.MemoryBound);
        Assert.Equal(d, HardwareCost.TokensForUsd(h, HardwareCost.TrainUsd(h, n, d), n), d * 1e-12);
    }

    [Fact]
    public void PopeRoofline_SmallBatchDecode_IsWeightBandwidthBound()
    {
        // One sequence (an engine limited to batch 1): each token reads every weight and its context's KV once.
        var h = H100 with { MaxBatch = 1 };
        var s = new ServingShape { PromptTokens = 1000, AnswerTokens = 100 };
        double n = 7e9, kv = HardwareCost.KvBytesPerToken(h, s, n), ctx = 1000 + 50;
        double step = (n * 2 + ctx * kv) / (3.35e12 * 0.8);
        var c = HardwareCost.Query(h, s, n, 1);
        Assert.True(c.MemoryBound);
        Assert.Equal(step, c.SecondsPerToken, step * 1e-12);
        Assert.Equal(2 * n * 1000 / (h.PeakFlops * 0.5) + 100 * step, c.LatencySeconds, 1e-9);
        // k samples at batch 1 run in k waves; the prompt is prefilled once for all of them.
        var c8 = HardwareCost.Query(h, s, n, 8);
        Assert.Equal(c.PrefillSeconds + 8 * 100 * step, c8.LatencySeconds, 1e-9);
    }

    [Fact]
    public void LargerBatches_AmortiseTheWeights_UntilComputeBinds()
    {
        var s = new ServingShape { PromptTokens = 0, AnswerTokens = 64 };
        double n = 1e9;
        double perToken1 = HardwareCost.Query(H100 with { MaxBatch = 1 }, s, n, 1).SecondsPerToken;
        double perToken256 = HardwareCost.Query(H100, s, n, 1).SecondsPerToken;
        Assert.True(perToken256 < perToken1 / 50, $"{perToken256} vs {perToken1}");
        // At a huge batch the step is compute-bound: 2N per token at the decode MFU.
        var big = HardwareCost.Query(H100 with { MaxBatch = 1e6 }, s, n, 1);
        Assert.False(big.MemoryBound);
        Assert.Equal(2 * n / (H100.PeakFlops * 0.5), big.SecondsPerToken, 1e-15);
    }

    [Fact]
    public void MemoryLimits_TheBatch_AndAModelThatDoesNotFitCannotServe()
    {
        var s = new ServingShape { PromptTokens = 4000, AnswerTokens = 4000 };
        double n = 30e9; // 60 GB of weights leave 20 GB for KV
        double kv = HardwareCost.KvBytesPerToken(H100, s, n);
        Assert.Equal(20e9 / ((4000.0 / 8 + 4000) * kv), HardwareCost.MaxBatch(H100, s, n, 8), 1e-6);
        Assert.True(HardwareCost.MaxBatch(H100, s, n, 8) < 256);
        Assert.Equal(0, HardwareCost.MaxBatch(H100, s, 50e9, 1));
        Assert.False(HardwareCost.Query(H100, s, 50e9, 1).Fits);
        Assert.True(double.IsNaN(HardwareCost.SamplesFor(H100, s, 50e9, 1.0)));
    }

    [Theory]
    [InlineData(1e8, 1e-4, null)]
    [InlineData(3e9, 1e-3, null)]
    [InlineData(3e9, 1e-2, 2.0)]
    public void SamplesFor_InvertsTheCost_AndHonoursTheLatencyLimit(double n, double usd, double? latency)
    {
        var s = new ServingShape { PromptTokens = 256, AnswerTokens = 256 };
        double k = HardwareCost.SamplesFor(H100, s, n, usd, latency);
        Assert.True(k > 0);
        var c = HardwareCost.Query(H100, s, n, k);
        Assert.True(c.Usd <= usd * (1 + 1e-9));
        if (latency is { } l)
        {
            Assert.True(c.LatencySeconds <= l * (1 + 1e-9));
            Assert.True(Math.Abs(c.Usd - usd) < 1e-6 * usd || Math.Abs(HardwareCost.Query(H100, s, n, k * 1.001).LatencySeconds) > l);
        }
        else Assert.Equal(usd, c.Usd, usd * 1e-6); // the budget binds exactly
    }

    [Fact]
    public void DollarPlan_MatchesBruteForce_AndEqualsTheFlopPlan_OnAComputeOnlyDevice()
    {
        var m = new PlanMetric("acc", A2.Predict, true);
        var s = new ServingShape { PromptTokens = 200, AnswerTokens = 100 };
        var usd = new DollarBudget { Device = H100, Shape = s, TrainUsd = 20, UsdPerQuery = 1e-7 };
        var p = Planner.Plan(m, new PlanBudget { Dollars = usd }, A2.Loss);
        double best = double.NegativeInfinity, arg = 0;
        for (int i = 0; i <= 20_000; i++)
        {
            double n = Math.Exp(Math.Log(1e3) + (Math.Log(3.9e10) - Math.Log(1e3)) * i / 20_000);
            double k = HardwareCost.SamplesFor(H100, s, n, usd.UsdPerQuery);
            if (!(k > 0)) continue;
            double v = A2.Predict(n, HardwareCost.TokensForUsd(H100, usd.TrainUsd, n), k);
            if (v > best) { best = v; arg = n; }
        }
        Assert.InRange(p.Optimum.Predicted, 0.05, 0.95); // an interior, unsaturated optimum
        Assert.InRange(p.Optimum.N / arg, 0.99, 1.01);
        Assert.True(p.Optimum.Predicted >= best - 1e-9);
        Assert.Equal(usd.TrainUsd, HardwareCost.TrainUsd(H100, p.Optimum.N, p.Optimum.D), 1e-6 * usd.TrainUsd);
        Assert.Equal(usd.UsdPerQuery, HardwareCost.Query(H100, s, p.Optimum.N, p.Optimum.K).Usd, 1e-6 * usd.UsdPerQuery);

        // Unlimited bandwidth, no prompt, decode at the same MFU: dollars are FLOPs at one price, so the dollar plan is the
        // FLOP plan at the FLOP-equivalent budgets.
        var flat = new DollarBudget { Device = H100 with { MemoryBandwidth = 1e30 }, Shape = s with { PromptTokens = 0 }, TrainUsd = 20, UsdPerQuery = 1e-7 };
        var (ct, ci) = HardwarePlanner.FlopEquivalent(flat);
        var pd = Planner.Plan(m, new PlanBudget { Dollars = flat }, A2.Loss);
        var pf = Planner.Plan(m, new PlanBudget { CTrain = ct, CInf = ci }, A2.Loss);
        Assert.True(Math.Abs(pf.Optimum.N / pd.Optimum.N - 1) < 1e-6, $"{pf.Optimum.N} {pd.Optimum.N} {pf.Optimum.K} {pd.Optimum.K} {pf.Optimum.Predicted} {pd.Optimum.Predicted}");
        Assert.Equal(pf.Optimum.K, pd.Optimum.K, pf.Optimum.K * 1e-6);
        Assert.Equal(pf.Optimum.Predicted, pd.Optimum.Predicted, 1e-9);
    }

    [Fact]
    public void MemoryBoundServing_MovesTheDollarOptimum_AndTheFlopPlanServedAtTheBudgetDoesWorse()
    {
        // A bandwidth-poor card: the FLOP accounting overstates the samples a dollar buys, and the dollar plan knows it.
        var l4 = new Hardware { Name = "L4", PeakFlops = 121e12, MemoryBandwidth = 300e9, MemoryBytes = 24e9, UsdPerHour = 0.7, MfuTrain = 0.4 };
        var s = new ServingShape { PromptTokens = 512, AnswerTokens = 256 };
        var usd = new DollarBudget { Device = l4, Shape = s, TrainUsd = 1e5, UsdPerQuery = 1e-3 };
        var (ct, ci) = HardwarePlanner.FlopEquivalent(usd);
        var task = FittedTasks.From("t", null, null, null, null, null, A2, new T2.Core.Fitting.FitRange(1e7, 1e10, 1e10, 1e13, 1, 1e4, 1, 1e4), [], null, null);
        var c = HardwarePlanner.Compare(task, new PlanBudget { CTrain = ct, CInf = ci }, l4, s, usd, null, null).Single();
        Assert.True(c.FlopCost.Query.Usd > 2 * usd.UsdPerQuery, $"FLOP plan costs {c.FlopCost.Query.Usd} per query");
        Assert.True(c.FlopDeployed.K < c.Flop.Plan.Optimum.K);
        Assert.True(c.Dollar.Plan.Optimum.Predicted >= c.FlopDeployed.Predicted - 1e-12);
        Assert.True(c.DollarCost.Query.Usd <= usd.UsdPerQuery * (1 + 1e-9));
    }

    [Fact]
    public void BadHardware_IsRejectedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => (H100 with { MfuDecode = 1.5 }).Validate());
        Assert.StartsWith("mfu_decode", e.Message);
        Assert.Throws<ArgumentException>(() => (H100 with { MemoryBandwidth = double.NaN }).Validate());
        Assert.Throws<ArgumentException>(() => new ServingShape { AnswerTokens = 0 }.Validate());
    }
}
