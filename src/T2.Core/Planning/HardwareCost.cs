namespace T2.Core.Planning;

/// <summary>
/// One accelerator as its vendor specifies it (peak dense FLOP/s at the serving precision, memory bandwidth and size, price)
/// and the efficiencies a deployment achieves on it (MFU for training, prefill and compute-bound decode; the share of
/// the bandwidth decode achieves). Sardana et al. 2024's example: MFU 50 % for training and prompts, 1 % for generation.
/// </summary>
public sealed record Hardware
{
    public required string Name { get; init; }
    public string? Source { get; init; }
    /// <summary>Peak dense FLOP/s at the precision used (no sparsity).</summary>
    public required double PeakFlops { get; init; }
    /// <summary>Memory bandwidth, bytes/s.</summary>
    public required double MemoryBandwidth { get; init; }
    /// <summary>Memory for weights and KV cache, bytes.</summary>
    public required double MemoryBytes { get; init; }
    public required double UsdPerHour { get; init; }
    public double MfuTrain { get; init; } = 0.5;
    public double MfuPrefill { get; init; } = 0.5;
    /// <summary>Achievable fraction of peak when decode is compute-bound (large batches).</summary>
    public double MfuDecode { get; init; } = 0.5;
    /// <summary>Achievable fraction of the memory bandwidth when decode is memory-bound.</summary>
    public double BandwidthUtilisation { get; init; } = 0.8;
    public double BytesPerParameter { get; init; } = 2;
    public double KvBytesPerElement { get; init; } = 2;
    /// <summary>Most sequences one device decodes together (a serving engine's limit; the KV cache may bind first).</summary>
    public double MaxBatch { get; init; } = 256;

    /// <summary>Every field in range, or an ArgumentException naming the field.</summary>
    public void Validate()
    {
        void Pos(string n, double v, double max = 1e30) { if (!double.IsFinite(v) || !(v > 0) || v > max) throw new ArgumentException($"{n} = {v} must be finite, > 0 and ≤ {max:G3}."); }
        Pos("peak_flops", PeakFlops); Pos("memory_bandwidth", MemoryBandwidth); Pos("memory_bytes", MemoryBytes); Pos("usd_per_hour", UsdPerHour, 1e9);
        Pos("mfu_train", MfuTrain, 1); Pos("mfu_prefill", MfuPrefill, 1); Pos("mfu_decode", MfuDecode, 1); Pos("bandwidth_utilisation", BandwidthUtilisation, 1);
        Pos("bytes_per_parameter", BytesPerParameter, 64); Pos("kv_bytes_per_element", KvBytesPerElement, 64); Pos("max_batch", MaxBatch, 1e9);
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("name must be given.");
    }
}

/// <summary>
/// What a query looks like and how the model is shaped, for the cost of serving it: prompt and answer lengths, the model's
/// aspect ratio d_model/n_layer (N ≈ 12·n_layer·d_model², so d_model = (ratio·N/12)^⅓) and the share of query heads that
/// carry their own K and V (1: multi-head; 1/8: grouped-query attention with 8 query heads per KV head).
/// </summary>
public sealed record ServingShape
{
    public double PromptTokens { get; init; }
    public double AnswerTokens { get; init; } = 1;
    public double AspectRatio { get; init; } = 128;
    public double KvShare { get; init; } = 1;
    /// <summary>KV-cache bytes per token of context when known (a real model); replaces the aspect-ratio estimate.</summary>
    public double? KvBytesPerToken { get; init; }

    public void Validate()
    {
        if (KvBytesPerToken is { } kv && (!double.IsFinite(kv) || !(kv > 0))) throw new ArgumentException($"KV bytes per token {kv} must be finite and > 0.");
        if (!double.IsFinite(PromptTokens) || PromptTokens < 0 || PromptTokens > 1e9) throw new ArgumentException($"prompt tokens {PromptTokens} must lie in [0, 1e9].");
        if (!double.IsFinite(AnswerTokens) || !(AnswerTokens >= 1) || AnswerTokens > 1e9) throw new ArgumentException($"answer tokens {AnswerTokens} must lie in [1, 1e9].");
        if (!double.IsFinite(AspectRatio) || !(AspectRatio > 0) || AspectRatio > 1e6) throw new ArgumentException($"aspect ratio {AspectRatio} must lie in (0, 1e6].");
        if (!double.IsFinite(KvShare) || !(KvShare > 0) || KvShare > 1) throw new ArgumentException($"KV share {KvShare} must lie in (0, 1].");
    }
}

/// <summary>The cost of serving one query with k samples of a model of N parameters, and what bound it.</summary>
public sealed record ServingCost(double Usd, double LatencySeconds, double PrefillSeconds, double SecondsPerToken, double Batch, bool MemoryBound, bool Fits);

/// <summary>
/// Time and dollars of training and serving (beyond the paper, which counts FLOPs). Training runs at MFU. Serving: the
/// prompt is prefilled once per query, compute-bound at the prefill MFU, and its KV cache is shared by the query's k
/// samples (as the testbed's decoder does); decode runs B sequences a step, each step bounded by
/// max(compute 2N·B at the decode MFU, bytes moved: the weights once plus each sequence's KV cache, at the achieved
/// bandwidth) — the inference roofline of Pope et al. 2022. B is as large as memory allows (weights + every sequence's own
/// KV, the prompt's stored once per query), capped by the engine's batch limit: a device serving many queries. The dollar
/// cost of a query is its share of device time at that batch; its latency assumes its k samples are decoded together
/// (B = min(k, batch limit), in waves when k is larger). Batches are continuous (no rounding), so costs are smooth in N, k.
/// </summary>
public static class HardwareCost
{
    /// <summary>KV-cache bytes per token of context for a model of N parameters with this shape.</summary>
    public static double KvBytesPerToken(Hardware h, ServingShape s, double n)
    {
        if (s.KvBytesPerToken is { } known) return known;
        double d = Math.Cbrt(s.AspectRatio * n / 12), layers = d / s.AspectRatio;
        return 2 * layers * d * s.KvShare * h.KvBytesPerElement;
    }

    public static double WeightBytes(Hardware h, double n) => n * h.BytesPerParameter;

    public static double TrainSeconds(Hardware h, double n, double d) => 6 * n * d / (h.PeakFlops * h.MfuTrain);
    public static double TrainUsd(Hardware h, double n, double d) => TrainSeconds(h, n, d) * h.UsdPerHour / 3600;
    /// <summary>Training tokens a training budget in dollars buys at size N (the inverse of <see cref="TrainUsd"/>).</summary>
    public static double TokensForUsd(Hardware h, double usd, double n) => usd * 3600 / h.UsdPerHour * h.PeakFlops * h.MfuTrain / (6 * n);
    /// <summary>The training FLOPs a training budget in dollars buys (MFU constant in N: the same for every size).</summary>
    public static double TrainFlopsForUsd(Hardware h, double usd) => usd * 3600 / h.UsdPerHour * h.PeakFlops * h.MfuTrain;

    /// <summary>Seconds of one decode step of B sequences at average context <paramref name="context"/> tokens.</summary>
    public static (double Seconds, bool MemoryBound) Step(Hardware h, double n, double batch, double context, double kvPerToken)
    {
        double compute = 2 * n * batch / (h.PeakFlops * h.MfuDecode);
        double memory = (WeightBytes(h, n) + batch * context * kvPerToken) / (h.MemoryBandwidth * h.BandwidthUtilisation);
        return memory >= compute ? (memory, true) : (compute, false);
    }

    /// <summary>The largest batch of sequences memory holds when queries of k samples share their prompt's cache (0: the
    /// weights alone do not fit), capped by the engine's limit.</summary>
    public static double MaxBatch(Hardware h, ServingShape s, double n, double k)
    {
        double free = h.MemoryBytes - WeightBytes(h, n);
        if (!(free > 0)) return 0;
        double perSequence = (s.PromptTokens / Math.Max(k, 1) + s.AnswerTokens) * KvBytesPerToken(h, s, n);
        return Math.Min(h.MaxBatch, free / perSequence);
    }

    /// <summary>Dollars and latency of one query with k samples at size N.</summary>
    public static ServingCost Query(Hardware h, ServingShape s, double n, double k)
    {
        double kv = KvBytesPerToken(h, s, n), context = s.PromptTokens + s.AnswerTokens / 2;
        double prefill = 2 * n * s.PromptTokens / (h.PeakFlops * h.MfuPrefill);
        double b = MaxBatch(h, s, n, k);
        if (!(b >= 1)) return new ServingCost(double.PositiveInfinity, double.PositiveInfinity, prefill, double.PositiveInfinity, b, true, false);
        var (step, memBound) = Step(h, n, b, context, kv);
        double perToken = step / b;                                   // device seconds per generated token at batch b
        double usd = (prefill + k * s.AnswerTokens * perToken) * h.UsdPerHour / 3600;
        double own = Math.Min(Math.Max(k, 1), b);                     // the query's samples decoded together
        var (ownStep, _) = Step(h, n, own, context, kv);
        double latency = prefill + Math.Ceiling(Math.Max(k, 1) / own - 1e-12) * s.AnswerTokens * ownStep;
        return new ServingCost(usd, latency, prefill, perToken, b, memBound, true);
    }

    /// <summary>
    /// The samples per query k a dollar budget per query buys at size N, also held to a latency limit when one is given:
    /// the largest k with cost ≤ <paramref name="usdPerQuery"/> (and latency ≤ <paramref name="maxLatency"/>); NaN when not
    /// even one sample's worth fits (or the weights do not fit in memory). k is continuous, as the paper's C_inf/2N.
    /// </summary>
    public static double SamplesFor(Hardware h, ServingShape s, double n, double usdPerQuery, double? maxLatency = null)
    {
        if (!(MaxBatch(h, s, n, 1) >= 1)) return double.NaN;
        bool Ok(double k) { var c = Query(h, s, n, k); return c.Fits && c.Usd <= usdPerQuery && (maxLatency is not { } m || c.LatencySeconds <= m); }
        double lo = 1e-9, hi = 1e12;
        if (!Ok(lo)) return double.NaN;
        if (Ok(hi)) return hi;
        // Cost and latency grow with k (more samples, at most a larger batch): bisection in log k.
        for (int i = 0; i < 200 && hi / lo > 1 + 1e-12; i++)
        {
            double mid = Math.Sqrt(lo * hi);
            if (Ok(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }
}

/// <summary>
/// A plan in dollars (beyond the paper): training paid as <see cref="TrainUsd"/> on <see cref="Device"/> at its MFU (so
/// D = TokensForUsd), each query paid as <see cref="UsdPerQuery"/> (so k = SamplesFor), optionally held to
/// <see cref="MaxLatencySeconds"/>.
/// </summary>
public sealed record DollarBudget
{
    public required Hardware Device { get; init; }
    public required ServingShape Shape { get; init; }
    public required double TrainUsd { get; init; }
    public required double UsdPerQuery { get; init; }
    public double? MaxLatencySeconds { get; init; }

    public void Validate()
    {
        Device.Validate(); Shape.Validate();
        if (!double.IsFinite(TrainUsd) || !(TrainUsd > 0) || TrainUsd > 1e15) throw new ArgumentException($"training budget ${TrainUsd} must lie in (0, 1e15].");
        if (!double.IsFinite(UsdPerQuery) || !(UsdPerQuery > 0) || UsdPerQuery > 1e9) throw new ArgumentException($"budget per query ${UsdPerQuery} must lie in (0, 1e9].");
        if (MaxLatencySeconds is { } l && (!double.IsFinite(l) || !(l > 0))) throw new ArgumentException($"latency limit {l} s must be finite and > 0.");
    }
}
