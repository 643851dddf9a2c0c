using System.Diagnostics;
using T2.Testbed.Inference;
using T2.Testbed.Model;
using T2.Testbed.Training;

namespace T2.Cli.Commands;

/// <summary>The measurements behind <c>t2 testbed bench</c>.</summary>
public static class TestbedBench
{
    /// <summary>Tokens per second of the real training step (forward, backward, clip, AdamW) on random tokens, after 3 warm-up steps.</summary>
    public static double Training(Gpt<float> model, int B, int T, int steps, Random rng) => Training(model, B, T, steps, rng, out _);

    /// <summary>As above; also reports the bytes allocated per timed step (all threads; the TPL's Parallel.For state included).</summary>
    public static double Training(Gpt<float> model, int B, int T, int steps, Random rng, out double bytesPerStep)
    {
        long alloc0 = 0;
        var opt = Trainer.NewOptimizer(model, new TrainOptions());
        var inp = new int[B * T]; var tgt = new int[B * T];
        double elapsed = 0;
        for (int s = 0; s < steps + 3; s++)
        {
            for (int i = 0; i < inp.Length; i++) { inp[i] = rng.Next(model.Config.VocabSize); tgt[i] = rng.Next(model.Config.VocabSize); }
            long t0 = Stopwatch.GetTimestamp();
            model.Forward(inp, tgt, B, T);
            model.ZeroGrad();
            model.Backward();
            Trainer.ClipGlobalNorm(model.Grads, 1);
            opt.Step(model.Params, model.Grads, 1e-3f, s + 1);
            if (s >= 3) elapsed += Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (s == 2) alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        }
        bytesPerStep = (double)(GC.GetTotalAllocatedBytes(precise: true) - alloc0) / steps;
        return (double)steps * B * T / elapsed;
    }

    /// <summary>
    /// Wall time per training step of every op (forward and backward, summed over blocks), clip and AdamW, over
    /// <paramref name="steps"/> steps after 40 warm-up steps: seconds per step, in <see cref="Gpt{T}.OpNames"/> order then
    /// "clip" and "adamw". The clock (this thread's CPU time, or wall time when <paramref name="cpuTime"/> is false) is read
    /// between layer calls, so the sum is the step's time.
    /// </summary>
    public static (string Op, double Seconds)[] Profile(Gpt<float> model, int B, int T, int steps, Random rng, bool cpuTime)
    {
        Func<long> clock = cpuTime ? ThreadCpuClock.Now : Stopwatch.GetTimestamp;
        double freq = cpuTime ? 1e9 : Stopwatch.Frequency;
        model.OpClock = clock;
        var opt = Trainer.NewOptimizer(model, new TrainOptions());
        var inp = new int[B * T]; var tgt = new int[B * T];
        var ticks = new long[Gpt<float>.OpNames.Length];
        long clip = 0, adam = 0;
        // 40 warm-up steps: a method is recompiled optimised after 30 calls, and the per-block ops are called once per
        // block per step; timed at tier 0, a 16-float TensorPrimitives call costs ten times its optimised self.
        const int warm = 40;
        for (int s = 0; s < steps + warm; s++)
        {
            for (int i = 0; i < inp.Length; i++) { inp[i] = rng.Next(model.Config.VocabSize); tgt[i] = rng.Next(model.Config.VocabSize); }
            if (s == warm) { Array.Clear(ticks); clip = adam = 0; }
            model.OpTicks = ticks;
            model.Forward(inp, tgt, B, T);
            model.ZeroGrad();
            model.Backward();
            long t0 = clock();
            Trainer.ClipGlobalNorm(model.Grads, 1);
            long t1 = clock();
            opt.Step(model.Params, model.Grads, 1e-3f, s + 1);
            clip += t1 - t0; adam += clock() - t1;
        }
        model.OpTicks = null;
        double Sec(long t) => t / freq / steps;
        return [.. Gpt<float>.OpNames.Select((n, i) => (n, Sec(ticks[i]))), ("clip", Sec(clip)), ("adamw", Sec(adam))];
    }

    /// <summary>GFLOP/s of the training forward matmul kernel on an M×M·(M×M)ᵀ product (2M³ FLOPs), best of 5 after a warm-up.</summary>
    public static double Gemm(int m)
    {
        var rng = new Random(1);
        float[] a = new float[m * m], b = new float[m * m], c = new float[m * m];
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble(); b[i] = (float)rng.NextDouble(); }
        double best = double.PositiveInfinity;
        for (int r = 0; r < 6; r++)
        {
            var sw = Stopwatch.StartNew();
            T2.Testbed.Model.Layers.Matmul.Forward(Seg<float>.Of(c), Seg<float>.Of(a), Seg<float>.Of(b), Seg<float>.Empty, m, m, m);
            if (r > 0) best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * m * m * m / best / 1e9;
    }

    /// <summary>Generated tokens per second for one sequence: KV-cached decoding vs recomputing the whole prefix each step.</summary>
    public static (double Cached, double Recompute) Sampling(Gpt<float> model, int gen, Random rng)
    {
        var dec = new KvDecoder(model);
        var logits = new float[model.Config.VocabSize];
        int[] prompt = [rng.Next(model.Config.VocabSize)];
        double Run(bool cached)
        {
            var sw = Stopwatch.StartNew();
            var seq = new List<int>(prompt);
            var own = dec.NewCache(gen + 1);
            dec.Prefill(prompt, own, logits);
            for (int i = 0; i < gen; i++)
            {
                int t = Evaluator.Draw(logits, 1.0, rng);
                seq.Add(t);
                if (cached) dec.Step(t, seq.Count - 1, null, own, logits);
                else { var fresh = dec.NewCache(seq.Count); dec.Prefill(seq.ToArray(), fresh, logits); }
            }
            return gen / sw.Elapsed.TotalSeconds;
        }
        Run(true); Run(false); // warm-up
        return (Run(true), Run(false));
    }
}
