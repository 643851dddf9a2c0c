using System.Diagnostics;
using T2.Testbed.IO;
using T2.Testbed.Model;
using T2.Testbed.World;

namespace T2.Testbed.Training;

public enum PostTrainMode { Ft, Sft }

/// <summary>
/// Post-training settings (the paper's recipe: 6 epochs, batch 8, constant learning rate). The paper fine-tunes ~0.1–1B
/// models at 2e−5, about 1/15 of the peak learning rates those models were pretrained with (≈3e−4); the testbed pretrains
/// at 3e−3, so the same ratio gives 2e−4. One value for every checkpoint, and the same number of steps (the split's size
/// fixes it), as the paper gives every checkpoint the same steps. No warm-up, no weight decay.
/// </summary>
public sealed record FinetuneOptions
{
    public PostTrainMode Mode { get; set; } = PostTrainMode.Ft;
    public string[] Families { get; set; } = [.. SyntheticWorld.Families];
    public int Epochs { get; set; } = 6;
    public double LearningRate { get; set; } = 2e-4;
    public int Batch { get; set; } = 8;
    /// <summary>Training-split questions per family.</summary>
    public int TrainQuestions { get; set; } = 200;
    public int Seed { get; set; } = 1;
    public double GradClip { get; set; } = 1.0;
    public double CheckpointSeconds { get; set; } = 30;

    public string? Problem()
    {
        if (Epochs < 1) return "epochs must be ≥ 1";
        if (!(LearningRate > 0) || LearningRate > 1) return "lr must lie in (0, 1]";
        if (Batch < 1 || Batch > 4096) return "batch must lie in [1, 4096]";
        if (TrainQuestions < 1 || TrainQuestions > 1_000_000) return "train-questions must lie in [1, 1000000]";
        if (Families.Length == 0) return "no families";
        var unknown = Families.FirstOrDefault(f => !SyntheticWorld.Families.Contains(f));
        if (unknown is not null) return $"unknown family '{unknown}' (families: {string.Join(", ", SyntheticWorld.Families)})";
        if (Families.Distinct().Count() != Families.Length) return "a family is named twice";
        return null;
    }
}

/// <summary>Where a post-trained checkpoint came from and what post-training cost (reported; counted in no budget by default).</summary>
public sealed record PostTraining
{
    public required string Base { get; init; }
    public required long BaseTokens { get; init; }
    public required FinetuneOptions Options { get; init; }
    public int Step { get; init; }
    public int TotalSteps { get; init; }
    public bool Finished { get; init; }
    /// <summary>Tokens through the model (padding excluded) and their FLOPs at 6·N per token.</summary>
    public long Tokens { get; init; }
    public double Flops { get; init; }
    public double FinalLoss { get; set; } = double.NaN;
    /// <summary>The smoothed loss at the last save, so a resumed run reports what an uninterrupted one would.</summary>
    public double RunningLoss { get; set; } = double.NaN;
}

/// <summary>
/// Fine-tunes a finished base checkpoint on the world's training split. FT: loss on every next-token target of
/// "prompt answer ."; SFT: only on the answer's tokens and its closing "." (prompt positions get target −1, so zero
/// gradient). Each example is one row, padded with masked targets to the split's longest; batches are a per-epoch
/// seeded shuffle, so a run resumed from its checkpoint is bit-identical to an uninterrupted one.
/// </summary>
public static class Finetuner
{
    public sealed record Example(int[] Inputs, int[] Targets, int Tokens);

    public static List<Example> Examples(SyntheticWorld world, FinetuneOptions o, int context)
    {
        var qs = world.TrainingQuestions(o.Families, o.TrainQuestions, o.Seed);
        var rows = new List<Example>(qs.Count);
        foreach (var q in qs)
        {
            var prompt = world.Tokenizer.Encode(q.Prompt); var answer = world.Tokenizer.Encode(q.Answer + " .");
            var seq = prompt.Concat(answer).ToArray();
            if (seq.Length > context + 1) throw new ArgumentException($"training question {q.Id} has {seq.Length} tokens; the model's context is {context}.");
            var x = seq[..^1]; var y = seq[1..];
            if (o.Mode == PostTrainMode.Sft) for (int t = 0; t < prompt.Length - 1; t++) y[t] = -1;   // predict only the answer
            rows.Add(new Example(x, y, x.Length));
        }
        return rows;
    }

    public static int StepsPerEpoch(int examples, int batch) => (examples + batch - 1) / batch;

    /// <summary>Fine-tunes <paramref name="baseDir"/> into <paramref name="outDir"/>; resumes an unfinished run there.</summary>
    public static CheckpointInfo Run(string baseDir, string outDir, FinetuneOptions o, IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        if (o.Problem() is { } problem) throw new ArgumentException($"finetune: {problem}.");
        if (Path.GetFullPath(baseDir).TrimEnd('/') == Path.GetFullPath(outDir).TrimEnd('/')) throw new ArgumentException("finetune: --out must differ from the base checkpoint.");
        var baseInfo = Checkpoint.LoadInfo(baseDir);
        if (!baseInfo.Finished) throw new CheckpointException($"{baseDir}: the base run is not finished (step {baseInfo.Step}/{baseInfo.TotalSteps}); fine-tune a finished checkpoint.");
        if (baseInfo.PostTraining is not null) throw new CheckpointException($"{baseDir}: already post-trained ({baseInfo.PostTraining.Options.Mode}); fine-tune a base checkpoint.");
        var world = new SyntheticWorld(baseInfo.WorldSeed, baseInfo.World);
        var examples = Examples(world, o, baseInfo.Model.Context);
        int T = examples.Max(e => e.Inputs.Length), B = o.Batch, perEpoch = StepsPerEpoch(examples.Count, B), total = perEpoch * o.Epochs;
        string baseName = Path.GetFullPath(baseDir);

        Gpt<float> model; AdamW opt; CheckpointInfo info;
        if (Checkpoint.Exists(outDir))
        {
            var (saved, m, a) = Checkpoint.Load(outDir, withOptimizer: true);
            if (saved.PostTraining is not { } pt || pt.Options with { CheckpointSeconds = 0 } != o with { CheckpointSeconds = 0, Families = pt.Options.Families }
                || !pt.Options.Families.SequenceEqual(o.Families) || pt.Base != baseName || pt.BaseTokens != baseInfo.TokensSeen)
                throw new CheckpointException($"{outDir} holds a different post-training run (base or settings differ); use another directory.");
            if (pt.Finished) return saved;
            model = m; info = saved;
            opt = NewOptimizer(model);
            if (a is not null) { a.M.CopyTo(opt.M, 0); a.V.CopyTo(opt.V, 0); }
        }
        else
        {
            (_, model, _) = Checkpoint.Load(baseDir, withOptimizer: false);
            opt = NewOptimizer(model);
            info = baseInfo with { PostTraining = new PostTraining { Base = baseName, BaseTokens = baseInfo.TokensSeen, Options = o, TotalSteps = total } };
        }
        var pt0 = info.PostTraining!;
        var inputs = new int[B * T]; var targets = new int[B * T];
        var sw = Stopwatch.StartNew(); var lastSave = Stopwatch.StartNew();
        int step = pt0.Step, startStep = step;
        long tokens = pt0.Tokens;
        double recent = pt0.RunningLoss;
        int[] order = [];
        int orderEpoch = -1;
        while (step < total)
        {
            cancel.ThrowIfCancellationRequested();
            int epoch = step / perEpoch, inEpoch = step % perEpoch;
            if (epoch != orderEpoch)
            {
                var rng = new Random(SyntheticWorld.Mix(o.Seed, epoch, 0xf17e));
                order = Enumerable.Range(0, examples.Count).OrderBy(_ => rng.Next()).ToArray();
                orderEpoch = epoch;
            }
            Array.Fill(inputs, Tokenizer.Eos); Array.Fill(targets, -1);
            for (int b = 0; b < B; b++)
            {
                int idx = inEpoch * B + b;
                if (idx >= order.Length) break;                         // the last batch of an epoch may be short: masked rows
                var e = examples[order[idx]];
                e.Inputs.CopyTo(inputs, b * T); e.Targets.CopyTo(targets, b * T);
                tokens += e.Tokens;
            }
            float loss = model.Forward(inputs, targets, B, T);
            model.ZeroGrad();
            model.Backward();
            Trainer.ClipGlobalNorm(model.Grads, (float)o.GradClip);
            opt.Step(model.Params, model.Grads, (float)o.LearningRate, step + 1);
            step++;
            recent = double.IsNaN(recent) ? loss : 0.9 * recent + 0.1 * loss;
            double tps = (double)(step - startStep) * B * T / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
            progress?.Report(new TrainProgress(step, total, tokens, recent, tps, TimeSpan.FromSeconds((total - step) * B * T / Math.Max(1, tps))));
            bool done = step == total;
            if (done || lastSave.Elapsed.TotalSeconds >= o.CheckpointSeconds)
            {
                info = info with
                {
                    Finished = done,
                    PostTraining = info.PostTraining! with
                    {
                        Step = step, Finished = done, Tokens = tokens, Flops = 6.0 * info.ParamsTotal * tokens, FinalLoss = done ? recent : double.NaN,
                        RunningLoss = recent,
                    },
                };
                Checkpoint.Save(outDir, info, model, done ? null : opt);
                if (done) { var o2 = Path.Combine(outDir, "optimizer.safetensors"); if (File.Exists(o2)) File.Delete(o2); }
                lastSave.Restart();
            }
        }
        return info;
    }

    private static AdamW NewOptimizer(Gpt<float> model) => new(model.Layout.Count, new bool[model.Layout.Count]) { WeightDecay = 0f };
}
