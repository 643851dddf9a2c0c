using System.Diagnostics;
using T2.Testbed.IO;
using T2.Testbed.Model;
using T2.Testbed.World;

namespace T2.Testbed.Training;

/// <summary>Settings of one training run (nanoGPT's train.py block). Saved in the checkpoint.</summary>
public sealed record TrainOptions
{
    public long Tokens { get; set; } = 5_000_000;     // training budget D (tokens of inputs processed)
    public int Batch { get; set; } = 16;              // B sequences per step
    public int Sequence { get; set; } = 64;           // T tokens per sequence
    public double LearningRate { get; set; } = 3e-3;  // peak, after warm-up
    public double WarmupFraction { get; set; } = 0.05;
    public double WeightDecay { get; set; } = 0.1;    // on matrices only
    public double GradClip { get; set; } = 1.0;       // global norm
    public int Seed { get; set; } = 1;                // initialisation
    public double CheckpointSeconds { get; set; } = 30;
    /// <summary>A finite corpus (the data wall): the first documents of the world holding at least this many tokens,
    /// repeated in order for as many epochs as the token budget needs. 0: the endless stream, every token unique.</summary>
    public long UniqueTokens { get; init; }
}

public sealed record TrainProgress(int Step, int TotalSteps, long TokensSeen, double Loss, double TokensPerSecond, TimeSpan Eta);

/// <summary>The training loop: batch → forward → backward → clip → schedule → AdamW, with periodic atomic checkpoints and exact resume.</summary>
public static class Trainer
{
    public static AdamW NewOptimizer(Gpt<float> model, TrainOptions o)
    {
        var mask = new bool[model.Layout.Count];
        foreach (var t in model.Layout.Tensors) if (t.Decay && t.Shape.Length == 2) Array.Fill(mask, true, t.Offset, t.Length);
        return new AdamW(model.Layout.Count, mask) { WeightDecay = (float)o.WeightDecay };
    }

    public static int TotalSteps(TrainOptions o) => (int)Math.Max(1, o.Tokens / ((long)o.Batch * o.Sequence));

    /// <summary>Trains into <paramref name="dir"/>, resuming an unfinished run there; a finished run is returned as is.</summary>
    public static CheckpointInfo Run(string dir, ModelConfig config, TrainOptions o, int worldSeed, WorldOptions worldOptions,
        IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        config.Validate();
        if (o.Batch < 1 || o.Sequence < 2 || o.Tokens < 1) throw new ArgumentException("batch ≥ 1, sequence ≥ 2 and tokens ≥ 1 are required.");
        if (o.UniqueTokens < 0) throw new ArgumentException("unique tokens must be ≥ 0 (0: unlimited).");
        if (o.Sequence > config.Context) throw new ArgumentException($"sequence {o.Sequence} exceeds the context {config.Context}.");
        var world = new SyntheticWorld(worldSeed, worldOptions);
        if (world.Tokenizer.VocabSize > config.VocabSize) throw new ArgumentException($"the world's vocabulary has {world.Tokenizer.VocabSize} tokens; the model's is {config.VocabSize}.");

        Gpt<float> model; AdamW opt; CheckpointInfo info;
        if (Checkpoint.Exists(dir))
        {
            var (saved, m, a) = Checkpoint.Load(dir, withOptimizer: true);
            if (saved.Model != config || saved.Train with { CheckpointSeconds = 0 } != o with { CheckpointSeconds = 0 } || saved.WorldSeed != worldSeed || saved.World != worldOptions)
                throw new CheckpointException($"{dir} holds a different run (model, training options or world differ); use another directory.");
            if (saved.Finished) return saved;
            model = m; opt = a ?? NewOptimizer(m, o); info = saved;
        }
        else
        {
            model = new Gpt<float>(config);
            model.Initialise(o.Seed);
            opt = NewOptimizer(model, o);
            info = new CheckpointInfo
            {
                Model = config, WorldSeed = worldSeed, World = worldOptions, Train = o, Vocabulary = [.. world.Tokenizer.Words],
                ParamsTotal = model.Layout.Count, ParamsNonEmbedding = model.Layout.NonEmbeddingCount, TotalSteps = TotalSteps(o),
            };
        }
        int total = TotalSteps(o), warmup = Math.Max(1, (int)(o.WarmupFraction * total)), B = o.Batch, T = o.Sequence;
        long docLimit = o.UniqueTokens > 0 ? TokenStream.Corpus(world, o.UniqueTokens).Documents : 0;
        var stream = new TokenStream(world, info.StreamDocument, info.StreamOffset, docLimit);
        var inputs = new int[B * T]; var targets = new int[B * T];
        var history = new List<double[]>(info.LossHistory);
        var sw = Stopwatch.StartNew(); var lastSave = Stopwatch.StartNew();
        int step = info.Step, startStep = step;
        double recent = double.NaN;
        while (step < total)
        {
            cancel.ThrowIfCancellationRequested();
            stream.NextBatch(inputs, targets, B, T);
            float loss = model.Forward(inputs, targets, B, T);
            model.ZeroGrad();
            model.Backward();
            ClipGlobalNorm(model.Grads, (float)o.GradClip);
            double lr = LrSchedule.At(step, total, warmup, o.LearningRate);
            opt.Step(model.Params, model.Grads, (float)lr, step + 1);
            step++;
            recent = double.IsNaN(recent) ? loss : 0.95 * recent + 0.05 * loss;
            if (step % Math.Max(1, total / 200) == 0 || step == total) history.Add([step, loss]);
            double tps = (double)(step - startStep) * B * T / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
            progress?.Report(new TrainProgress(step, total, (long)step * B * T, recent, tps, TimeSpan.FromSeconds((total - step) * B * T / Math.Max(1, tps))));
            bool done = step == total;
            if (done || lastSave.Elapsed.TotalSeconds >= o.CheckpointSeconds)
            {
                info = info with
                {
                    Step = step, TokensSeen = (long)step * B * T, StreamDocument = stream.Document, StreamOffset = stream.Offset,
                    Finished = done, FinalLoss = done ? recent : double.NaN, LossHistory = history,
                };
                Checkpoint.Save(dir, info, model, done ? null : opt);
                if (done) { var o2 = Path.Combine(dir, "optimizer.safetensors"); if (File.Exists(o2)) File.Delete(o2); }
                lastSave.Restart();
            }
        }
        return info;
    }

    /// <summary>Scales gradients so their global L2 norm is at most <paramref name="max"/>; returns the norm before clipping.</summary>
    public static float ClipGlobalNorm(float[] grads, float max)
    {
        double s = 0;
        foreach (var g in grads) s += (double)g * g;
        float norm = (float)Math.Sqrt(s);
        if (norm > max && max > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(grads, max / norm, grads);
        return norm;
    }
}
