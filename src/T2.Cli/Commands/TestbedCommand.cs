using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Testbed.Inference;
using T2.Testbed.IO;
using T2.Testbed.Model;
using T2.Testbed.Training;
using T2.Testbed.World;

namespace T2.Cli.Commands;

/// <summary><c>t2 testbed gen | train | eval | bench</c>: the synthetic world, the tiny transformer, its evidence.</summary>
public static class TestbedCommand
{
    public static Command Build(CliContext ctx)
    {
        var cmd = new Command("testbed", "Synthetic tasks and a tiny GPT trained on the CPU, producing T² evidence.");
        cmd.Subcommands.Add(Gen(ctx));
        cmd.Subcommands.Add(Train(ctx));
        cmd.Subcommands.Add(Eval(ctx));
        cmd.Subcommands.Add(Bench(ctx));
        cmd.Subcommands.Add(Logits(ctx));
        cmd.Subcommands.Add(LadderCommand.Build(ctx));
        foreach (var c in ServeCommand.Build(ctx)) cmd.Subcommands.Add(c);
        cmd.Subcommands.Add(FinetuneCommand.Build(ctx));
        return cmd;
    }

    private static Command Logits(CliContext ctx)
    {
        var ckpt = new Option<string>("--checkpoint") { Description = "Checkpoint directory.", Required = true };
        var text = new Option<string>("--text") { Description = "Text to run through the model (testbed vocabulary).", Required = true };
        var cmd = new Command("logits", "Print the full-forward logits for a text as JSON (for cross-checks against other implementations).") { ckpt, text };
        cmd.SetAction(p =>
        {
            var (info, model, _) = Checkpoint.Load(p.GetValue(ckpt)!, withOptimizer: false);
            var world = new SyntheticWorld(info.WorldSeed, info.World);
            var tokens = world.Tokenizer.Encode(p.GetValue(text)!);
            if (tokens.Length == 0 || tokens.Length > info.Model.Context) throw new UsageException($"--text must have 1 to {info.Model.Context} tokens.");
            model.Forward(tokens, default, 1, tokens.Length);
            var logits = model.Logits.ToArray();
            int V = info.Model.VocabSize;
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("tokens"); foreach (var t in tokens) w.WriteNumberValue(t); w.WriteEndArray();
                w.WriteStartArray("logits");
                for (int t = 0; t < tokens.Length; t++) { w.WriteStartArray(); for (int v = 0; v < V; v++) w.WriteNumberValue(logits[t * V + v]); w.WriteEndArray(); }
                w.WriteEndArray();
                w.WriteEndObject();
            }, indented: false));
            return 0;
        });
        return cmd;
    }

    private static Option<int> WorldSeedOption() => new("--world-seed") { Description = "Seed of the synthetic world (facts, names, questions); keep it fixed across a ladder.", DefaultValueFactory = _ => 0 };

    private static Command Gen(CliContext ctx)
    {
        var output = new Option<string>("--out") { Description = "Directory for questions.jsonl, corpus_sample.txt and vocab.txt.", Required = true };
        var seed = new Option<int>("--seed") { Description = "World seed.", DefaultValueFactory = _ => 0 };
        var docs = new Option<int>("--docs") { Description = "Documents in the corpus sample.", DefaultValueFactory = _ => 2000 };
        var cmd = new Command("gen", "Write the held-out questions (JSONL {id, family, prompt, answer}), a corpus sample and the vocabulary.") { output, seed, docs };
        cmd.SetAction(p =>
        {
            var world = new SyntheticWorld(p.GetValue(seed));
            var dir = p.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var sb = new StringBuilder();
            foreach (var q in world.Questions())
                sb.AppendLine(T2.Cli.Rendering.Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("id", q.Id); w.WriteString("family", q.Family);
                    w.WriteString("prompt", q.Prompt); w.WriteString("answer", q.Answer);
                    w.WriteEndObject();
                }, indented: false));
            WriteAtomic(Path.Combine(dir, "questions.jsonl"), sb.ToString());
            WriteAtomic(Path.Combine(dir, "corpus_sample.txt"), string.Join('\n', Enumerable.Range(0, Math.Max(1, p.GetValue(docs))).Select(i => world.Document(i))) + "\n");
            WriteAtomic(Path.Combine(dir, "vocab.txt"), string.Join('\n', world.Tokenizer.Words) + "\n");
            ctx.Console.MarkupLine($"wrote {world.Questions().Count} questions ({string.Join(", ", SyntheticWorld.Families)}), {p.GetValue(docs)} corpus documents and a {world.Tokenizer.VocabSize}-token vocabulary to {Markup.Escape(dir)}");
            return 0;
        });
        return cmd;
    }

    private static void WriteAtomic(string path, string text)
    {
        T2.IO.AtomicFile.WriteAllText(path, text);
    }

    private static Command Train(CliContext ctx)
    {
        var dModel = new Option<int>("--d-model") { Description = "Width C.", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks.", DefaultValueFactory = _ => 2 };
        var heads = new Option<int>("--heads") { Description = "Attention heads (must divide d-model).", DefaultValueFactory = _ => 4 };
        var ctxLen = new Option<int>("--ctx") { Description = "Sequence length T (and the position table's size).", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Sequences per step.", DefaultValueFactory = _ => 16 };
        var tokens = new Option<double>("--tokens") { Description = "Training tokens D (e.g. 5e6); the cosine schedule decays to zero at D.", DefaultValueFactory = _ => 5e6 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 3e-3 };
        var seed = new Option<int>("--seed") { Description = "Initialisation seed.", DefaultValueFactory = _ => 1 };
        var worldSeed = WorldSeedOption();
        var every = new Option<double>("--checkpoint-seconds") { Description = "Save a resumable checkpoint this often.", DefaultValueFactory = _ => 30 };
        var output = new Option<string>("--out") { Description = "Checkpoint directory (an unfinished run there is resumed).", Required = true };
        var cmd = new Command("train", "Train a tiny GPT on the synthetic stream; resumable.") { dModel, layers, heads, ctxLen, batch, tokens, lr, seed, worldSeed, every, output };
        cmd.SetAction(p =>
        {
            var world = new SyntheticWorld(p.GetValue(worldSeed));
            var config = new ModelConfig(world.Tokenizer.VocabSize, p.GetValue(ctxLen), p.GetValue(dModel), p.GetValue(layers), p.GetValue(heads));
            try { config.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
            double d = p.GetValue(tokens);
            if (!(d >= 1)) throw new UsageException("--tokens must be ≥ 1.");
            var o = new TrainOptions
            {
                Tokens = (long)d, Batch = p.GetValue(batch), Sequence = p.GetValue(ctxLen), LearningRate = p.GetValue(lr), Seed = p.GetValue(seed),
                CheckpointSeconds = p.GetValue(every),
            };
            if (o.Batch < 1) throw new UsageException("--batch must be ≥ 1.");
            var dir = p.GetValue(output)!;
            var layout = new ParameterLayout(config);
            ctx.Console.MarkupLine($"GPT d-model {config.DModel}, {config.Layers} layers, {config.Heads} heads, ctx {config.Context}, vocab {config.VocabSize}: " +
                $"{layout.Count:N0} parameters ({layout.NonEmbeddingCount:N0} without embeddings); {Trainer.TotalSteps(o):N0} steps of {o.Batch}×{o.Sequence} tokens");
            if (Checkpoint.Exists(dir)) ctx.Console.MarkupLine($"{Markup.Escape(dir)} holds a run: resuming (or returning it if finished).");
            CheckpointInfo info = null!;
            ctx.Console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(pc =>
                {
                    var task = pc.AddTask("training", maxValue: Trainer.TotalSteps(o));
                    var progress = new SyncProgress<TrainProgress>(r =>
                    {
                        task.Value = r.Step;
                        task.Description = $"step {r.Step}/{r.TotalSteps} loss {r.Loss:F3} {r.TokensPerSecond:N0} tok/s ETA {r.Eta:hh\\:mm\\:ss}";
                    });
                    info = Trainer.Run(dir, config, o, p.GetValue(worldSeed), world.Options, progress);
                    task.Value = task.MaxValue;
                });
            ctx.Console.MarkupLine($"finished: {info.TokensSeen:N0} tokens, final loss {info.FinalLoss:F4} → {Markup.Escape(dir)}");
            return 0;
        });
        return cmd;
    }

    private static Command Eval(CliContext ctx)
    {
        var ckpt = new Option<string>("--checkpoint") { Description = "Checkpoint directory from 't2 testbed train'.", Required = true };
        var mode = new Option<string>("--mode") { Description = "likelihood (answer NLL) or sample (n samples per question).", DefaultValueFactory = _ => "likelihood" };
        mode.AcceptOnlyFromAmong("likelihood", "sample", "greedy");
        var n = new Option<int>("--n") { Description = "Samples per question (sample mode).", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (sample mode).", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var name = new Option<string?>("--name") { Description = "Checkpoint name in the evidence (default: the directory's name)." };
        var output = new Option<string>("--out") { Description = "Evidence CSV (the format 't2 passk' and 't2 fit t2' read); appended rows replace this checkpoint's.", Required = true };
        var cmd = new Command("eval", "Per-question evidence for a checkpoint: answer NLL, or sample counts with a KV cache.") { ckpt, mode, n, temperature, seed, name, output };
        cmd.SetAction(p =>
        {
            var dir = p.GetValue(ckpt)!;
            var (info, model, _) = Checkpoint.Load(dir, withOptimizer: false);
            if (!info.Finished) ctx.Error.WriteLine($"t2: warning: {dir} is an unfinished run (step {info.Step}/{info.TotalSteps}); its evidence is for a partly trained model.");
            var world = new SyntheticWorld(info.WorldSeed, info.World);
            if (!world.Tokenizer.Words.SequenceEqual(info.Vocabulary)) throw new CheckpointException($"{dir}: the world's vocabulary differs from the checkpoint's.");
            var qs = world.Questions();
            string m = p.GetValue(mode)!;
            var sw = Stopwatch.StartNew();
            var results = m == "likelihood" ? Evaluator.Likelihood(model, world.Tokenizer, qs)
                : Evaluator.Sample(model, world.Tokenizer, qs, m == "greedy" ? 1 : p.GetValue(n), m == "greedy" ? 0 : p.GetValue(temperature), p.GetValue(seed));
            string ck = p.GetValue(name) ?? Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar));
            EvidenceWriter.Write(p.GetValue(output)!, ck, info, results, m == "likelihood");
            var t = new Table().AddColumn("family").AddColumn(new TableColumn("questions").RightAligned())
                .AddColumn(new TableColumn(m == "likelihood" ? "mean answer NLL" : "mean pass@1").RightAligned());
            foreach (var g in results.GroupBy(r => r.Question.Family))
                t.AddRow(g.Key, g.Count().ToString(CultureInfo.InvariantCulture),
                    m == "likelihood" ? Format.Sig(g.Average(r => r.Nll), 4) : Format.Sig(g.Average(r => (double)r.Correct / r.Samples), 4));
            ctx.Console.Write(t);
            ctx.Console.MarkupLine($"{results.Length} questions in {sw.Elapsed.TotalSeconds:F1} s → {Markup.Escape(p.GetValue(output)!)}");
            return 0;
        });
        return cmd;
    }

    private static Command Bench(CliContext ctx)
    {
        var dModel = new Option<int>("--d-model") { DefaultValueFactory = _ => 64, Description = "Width C." };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 2, Description = "Blocks." };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4, Description = "Heads." };
        var ctxLen = new Option<int>("--ctx") { DefaultValueFactory = _ => 64, Description = "Sequence length." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Batch." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20, Description = "Timed steps (after 3 warm-up steps)." };
        var vocab = new Option<int>("--vocab") { DefaultValueFactory = _ => 512, Description = "Vocabulary size." };
        var sample = new Option<bool>("--sample") { Description = "Benchmark KV-cached sampling against recomputing the prefix instead." };
        var gen = new Option<int>("--gen") { DefaultValueFactory = _ => 128, Description = "Tokens generated (with --sample)." };
        var gemm = new Option<int?>("--gemm") { Description = "Benchmark the float matmul kernel on an M×M×M product instead (GFLOP/s)." };
        var json = new Option<bool>("--json") { Description = "JSON output." };
        var profile = new Option<bool>("--profile") { Description = "Time every op of the training step (per step, per token, per block)." };
        var serial = new Option<bool>("--serial") { Description = "One thread, as each model trains when a ladder runs several side by side." };
        var ladder = new Option<string?>("--ladder") { Description = "Time a ladder's training phase: quick, full or a spec file (no evaluation)." };
        var ladderSample = new Option<string>("--runs") { DefaultValueFactory = _ => "all", Description = "With --ladder: all, or per-shape (each shape's cheapest run)." };
        var cmd = new Command("bench", "Training tokens/s (the real step with AdamW, random tokens), KV-cached vs recomputed sampling, GEMM GFLOP/s, " +
            "a per-op profile, or a ladder's training throughput against OpenBLAS's peak.")
        { dModel, layers, heads, ctxLen, batch, steps, vocab, sample, gen, gemm, json, profile, serial, ladder, ladderSample };
        cmd.SetAction(p =>
        {
            if (p.GetValue(ladder) is { } ladderSpec) return LadderBenchOutput.Run(ctx, ladderSpec, p.GetValue(ladderSample)!, p.GetValue(json));
            WorkerPool.SerialOnThisThread = p.GetValue(serial);
            if (p.GetValue(gemm) is { } size)
            {
                if (size < 16 || size % 16 != 0) throw new UsageException("--gemm needs a size that is a multiple of 16.");
                double gf = TestbedBench.Gemm(size);
                if (p.GetValue(json)) ctx.Out.WriteLine(Json.Write(w => { w.WriteStartObject(); w.WriteNumber("size", size); w.Number("gflops", gf); w.WriteNumber("threads", Environment.ProcessorCount); w.WriteEndObject(); }));
                else ctx.Console.MarkupLine($"{size}³ float matmul: {gf:F1} GFLOP/s on {Environment.ProcessorCount} threads");
                return 0;
            }
            int ctxT = p.GetValue(ctxLen), genN = p.GetValue(gen);
            var config = new ModelConfig(p.GetValue(vocab), p.GetValue(sample) ? Math.Max(ctxT, genN + 1) : ctxT, p.GetValue(dModel), p.GetValue(layers), p.GetValue(heads));
            try { config.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
            var model = new Gpt<float>(config); model.Initialise(1);
            var rng = new Random(1);
            if (p.GetValue(sample))
            {
                var r = TestbedBench.Sampling(model, genN, rng);
                if (p.GetValue(json)) ctx.Out.WriteLine(Json.Write(w => { w.WriteStartObject(); w.Number("cached_tokens_per_s", r.Cached); w.Number("recompute_tokens_per_s", r.Recompute); w.Number("speedup", r.Cached / r.Recompute); w.WriteNumber("gen", genN); w.WriteNumber("params", model.Layout.Count); w.WriteEndObject(); }));
                else ctx.Console.MarkupLine($"KV-cached {r.Cached:N0} tok/s, recompute {r.Recompute:N0} tok/s: {r.Cached / r.Recompute:F1}× at {genN} generated tokens");
                return 0;
            }
            if (p.GetValue(profile))
                return LadderBenchOutput.Profile(ctx, model, p.GetValue(batch), ctxT, p.GetValue(steps), rng, p.GetValue(serial), p.GetValue(json));
            var tps = TestbedBench.Training(model, p.GetValue(batch), ctxT, p.GetValue(steps), rng, out double bytesPerStep);
            if (p.GetValue(json)) ctx.Out.WriteLine(Json.Write(w => { w.WriteStartObject(); w.Number("train_tokens_per_s", tps); w.Number("allocated_bytes_per_step", bytesPerStep); w.WriteNumber("params", model.Layout.Count); w.WriteNumber("params_non_embedding", model.Layout.NonEmbeddingCount); w.WriteNumber("threads", Environment.ProcessorCount); w.WriteEndObject(); }));
            else ctx.Console.MarkupLine($"{tps:N0} training tokens/s ({model.Layout.Count:N0} parameters, {Environment.ProcessorCount} threads; {bytesPerStep:N0} bytes allocated per step)");
            return 0;
        });
        return cmd;
    }
}

/// <summary>IProgress that calls back synchronously (Progress&lt;T&gt; posts to the thread pool, which races the progress bar).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
