using System.CommandLine;
using System.Diagnostics;
using System.Numerics;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Planning;
using T2.Testbed.Inference;
using T2.Testbed.Model;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 bench decode</c>: the serving cost model (<see cref="HardwareCost"/>) against the testbed's own measured
/// sampling. This machine's figures are measured first, independently of the decoder: one core's multiply-add rate on
/// registers (the compute roof) and its read bandwidth over a buffer the size of the model's weights (the memory roof
/// where those weights live: L2, L3 or DRAM). Then, per model and k, one query (a prompt prefilled once, k samples of A
/// tokens decoded one after another, as the testbed's decoder does: batch 1) is timed and set beside the law's prediction.
/// </summary>
public static class DecodeBench
{
    public sealed record Row(int DModel, int Layers, long Params, int K, double MeasuredSeconds, double PredictedSeconds,
        double MeasuredTokenSeconds, double PredictedTokenSeconds, double MeasuredPrefillSeconds, double PredictedPrefillSeconds,
        double BandwidthBytesPerSecond, bool MemoryBound);

    public static Command Build(CliContext ctx)
    {
        var dims = CommonOptions.Numbers("--d-model", "Model widths (comma list of multiples of 16; 2 layers each, head size 16).", 16, 4096, whole: true, defaultText: "32,64,128,256,512");
        var ks = CommonOptions.Numbers("--k", "Samples per query (comma list).", 1, 1024, whole: true, defaultText: "1,4,16");
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prompt tokens per query.", DefaultValueFactory = _ => 16 };
        var answer = new Option<int>("--answer-tokens") { Description = "Tokens generated per sample.", DefaultValueFactory = _ => 32 };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size.", DefaultValueFactory = _ => 512 };
        var json = CommonOptions.Json();
        var cmd = new Command("decode", "The serving cost law (roofline, shared prefill) against the testbed's measured sampling at several N and k, with this machine's measured figures.")
        { dims, ks, prompt, answer, vocab, json };
        cmd.SetAction(p =>
        {
            var widths = p.GetValue(dims)!.Select(x => (int)x).ToArray();
            var kk = p.GetValue(ks)!.Select(x => (int)x).ToArray();
            int P = p.GetValue(prompt), A = p.GetValue(answer), V = p.GetValue(vocab);
            if (widths.Any(w => w < 16 || w % 16 != 0 || w > 4096)) throw new UsageException("--d-model: multiples of 16 in [16, 4096].");
            if (kk.Any(k => k < 1 || k > 1024)) throw new UsageException("--k: each in [1, 1024].");
            if (P < 1 || A < 1 || P + A > 4096) throw new UsageException("--prompt-tokens and --answer-tokens must be ≥ 1 with a sum ≤ 4096.");
            if (V < 16 || V > 100_000) throw new UsageException("--vocab must lie in [16, 100000].");
            double peak = PeakFlops();
            var rows = new List<Row>();
            foreach (int d in widths)
            {
                var model = new Gpt<float>(new ModelConfig(V, P + A, d, 2, d / 16)); model.Initialise(1);
                long n = model.Layout.Count;
                double bw = ReadBandwidth(n * 4);
                var h = new Hardware
                {
                    Name = "this machine, one core", PeakFlops = peak, MemoryBandwidth = bw, MemoryBytes = 1e12, UsdPerHour = 1, MfuPrefill = 1,
                    MfuDecode = 1, BandwidthUtilisation = 1, BytesPerParameter = 4, KvBytesPerElement = 4, MaxBatch = 1,
                };
                var shape = new ServingShape { PromptTokens = P, AnswerTokens = A, KvBytesPerToken = 2.0 * 2 * d * 4 };
                foreach (int k in kk)
                {
                    var (total, prefill) = TimeQuery(model, P, A, k);
                    var c = HardwareCost.Query(h, shape, n, k);
                    rows.Add(new Row(d, 2, n, k, total, c.LatencySeconds, (total - prefill) / (k * A), c.SecondsPerToken, prefill, c.PrefillSeconds, bw, c.MemoryBound));
                }
            }
            if (p.GetValue(json))
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject(); w.Number("peak_flops_one_core", peak); w.WriteNumber("prompt_tokens", P); w.WriteNumber("answer_tokens", A);
                    w.WriteStartArray("rows");
                    foreach (var r in rows)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("d_model", r.DModel); w.WriteNumber("layers", r.Layers); w.WriteNumber("params", r.Params); w.WriteNumber("k", r.K);
                        w.Number("measured_s", r.MeasuredSeconds); w.Number("predicted_s", r.PredictedSeconds);
                        w.Number("measured_s_per_token", r.MeasuredTokenSeconds); w.Number("predicted_s_per_token", r.PredictedTokenSeconds);
                        w.Number("measured_prefill_s", r.MeasuredPrefillSeconds); w.Number("predicted_prefill_s", r.PredictedPrefillSeconds);
                        w.Number("bandwidth", r.BandwidthBytesPerSecond); w.WriteString("bound", r.MemoryBound ? "memory" : "compute");
                        w.WriteEndObject();
                    }
                    w.WriteEndArray(); w.WriteEndObject();
                }));
            else
            {
                ctx.Console.MarkupLine($"This machine, one core: {peak / 1e9:F1} GFLOP/s multiply-add on registers; read bandwidth measured per model over a buffer of its weights' size. " +
                    $"Query: {P} prompt tokens prefilled once, k samples × {A} tokens, batch 1.");
                Tables.Write(ctx.Console, ["d", "N", "read GB/s", "k", "query ms", "law ms", "ratio", "µs/token", "law µs/token", "prefill ms", "law prefill ms", "bound"],
                    rows.Select(r => new[] { r.DModel.ToString(), Format.Sig(r.Params), (r.BandwidthBytesPerSecond / 1e9).ToString("F0"), r.K.ToString(),
                        (1e3 * r.MeasuredSeconds).ToString("F2"), (1e3 * r.PredictedSeconds).ToString("F2"), (r.MeasuredSeconds / r.PredictedSeconds).ToString("F2"),
                        (1e6 * r.MeasuredTokenSeconds).ToString("F1"), (1e6 * r.PredictedTokenSeconds).ToString("F1"),
                        (1e3 * r.MeasuredPrefillSeconds).ToString("F3"), (1e3 * r.PredictedPrefillSeconds).ToString("F3"), r.MemoryBound ? "memory" : "compute" }).ToList(),
                    new HashSet<int> { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>One query as the testbed serves it: the prompt prefilled once into a shared cache, then k samples decoded
    /// one after another, each reading the prompt's cache and appending to its own. Best of 5 after a warm-up.</summary>
    private static (double Total, double Prefill) TimeQuery(Gpt<float> model, int P, int A, int k)
    {
        var dec = new KvDecoder(model);
        var logits = new float[model.Config.VocabSize];
        var rng = new Random(1);
        var prompt = Enumerable.Range(0, P).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        var promptCache = dec.NewCache(P);
        var own = dec.NewCache(A);
        double best = double.PositiveInfinity, bestPrefill = double.PositiveInfinity;
        for (int rep = 0; rep < 6; rep++)
        {
            long t0 = Stopwatch.GetTimestamp();
            dec.Prefill(prompt, promptCache, logits);
            double pre = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            for (int s = 0; s < k; s++)
            {
                own.Length = 0;
                int tok = Evaluator.Draw(logits, 1.0, rng);
                for (int i = 0; i < A; i++)
                {
                    dec.Step(tok, P + i, promptCache, own, logits);
                    tok = Evaluator.Draw(logits, 1.0, rng);
                }
            }
            double total = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (rep > 0 && total < best) { best = total; bestPrefill = pre; }
        }
        return (best, bestPrefill);
    }

    /// <summary>One core's multiply-add FLOP/s on registers (8 independent vector accumulators), best of 5.</summary>
    public static double PeakFlops()
    {
        const int iters = 20_000_000;
        double best = 0;
        for (int r = 0; r < 6; r++)
        {
            var a0 = new Vector<float>(1f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
            var m = new Vector<float>(0.999999f); var c = new Vector<float>(1e-7f);
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < iters; i++)
            {
                a0 = Vector.FusedMultiplyAdd(a0, m, c); a1 = Vector.FusedMultiplyAdd(a1, m, c); a2 = Vector.FusedMultiplyAdd(a2, m, c); a3 = Vector.FusedMultiplyAdd(a3, m, c);
                a4 = Vector.FusedMultiplyAdd(a4, m, c); a5 = Vector.FusedMultiplyAdd(a5, m, c); a6 = Vector.FusedMultiplyAdd(a6, m, c); a7 = Vector.FusedMultiplyAdd(a7, m, c);
            }
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            float sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7)[0];
            if (float.IsNaN(sink)) throw new InvalidOperationException("unreachable");
            if (r > 0) best = Math.Max(best, 8.0 * 2 * Vector<float>.Count * iters / s);
        }
        return best;
    }

    /// <summary>Bytes/s one core reads from a buffer of <paramref name="bytes"/> (summed as vectors, repeated to ≥ 256 MB).</summary>
    public static double ReadBandwidth(long bytes)
    {
        int n = (int)Math.Max(Vector<float>.Count * 4, Math.Min(bytes / 4, 1L << 28));
        var buf = new float[n];
        for (int i = 0; i < n; i++) buf[i] = i % 7;
        int passes = (int)Math.Max(1, (256L << 20) / (4L * n));
        double best = 0;
        for (int r = 0; r < 4; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            float total = 0;
            for (int pass = 0; pass < passes; pass++) total += System.Numerics.Tensors.TensorPrimitives.Sum<float>(buf);
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (float.IsNaN(total)) throw new InvalidOperationException("unreachable");
            if (r > 0) best = Math.Max(best, 4.0 * n * passes / s);
        }
        return best;
    }
}
