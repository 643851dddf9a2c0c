using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using T2.Testbed.Inference;
using T2.Testbed.IO;
using T2.Testbed.Model;
using T2.Testbed.Training;
using T2.Testbed.World;

namespace T2.Testbed.Ladder;

/// <summary>One overall progress report: runs and FLOPs done of the total, throughput and ETA, and what is running.</summary>
public sealed record LadderProgress(int RunsDone, int RunsTotal, double FlopsDone, double FlopsTotal, double TokensPerSecond,
    TimeSpan Eta, IReadOnlyList<string> Running, string Phase = "train");

/// <summary>What post-training one checkpoint recorded (runs/ID/VARIANT/post.json): its cost and the answer NLL of the
/// evaluation questions before and after, per family (the fine-tuning gain against tokens per parameter).</summary>
public sealed record PostRecord(string Id, string Variant, long N, long Tokens, double TokensPerParam, int Steps, long PostTokens, double PostFlops,
    double Seconds, double FinalLoss, Dictionary<string, double> NllBefore, Dictionary<string, double> NllAfter);

/// <summary>What one finished run recorded (runs/ID/run.json): its point, final loss and how fast it trained.</summary>
public sealed record RunRecord(string Id, string Kind, string Label, string Shape, int Seed, long N, long NNonEmbedding, long Tokens,
    double CTrain, double FinalLoss, double TrainSeconds, double TokensPerSecond, double EvalSeconds);

/// <summary>The ladder's summary: what ran now, what was already there, and throughput against the best single run.</summary>
public sealed record LadderResult(string Dir, int Runs, int Trained, int Skipped, double Seconds, double FlopsTrained,
    double OverallFlopsPerSecond, double BestSingleRunFlopsPerSecond, int Parallel, string EvidencePath, string? SamplesPath);

/// <summary>
/// Trains and evaluates every point of a ladder into DIR/runs/ID/ (a resumable checkpoint, then likelihood.csv and, with
/// sampling, samples.csv), then writes DIR/evidence.csv (and DIR/samples.csv) from every finished run in the plan's order.
/// A run is finished when its evidence file exists; finished runs are skipped, unfinished ones resume from their last
/// checkpoint, so a ladder killed at any moment and rerun gives the same evidence as one never interrupted (training and
/// evaluation are deterministic for a seed, whatever the thread count). Independent runs are trained side by side: tiny
/// models cannot keep two cores busy on their own.
/// </summary>
public static class LadderRunner
{
    public const string EvidenceHeader = "checkpoint,kind,label,seed,shape,N_params,N_params_non_embedding,D_tokens,C_train,task,question,nll";
    public const string SamplesHeader = "checkpoint,kind,label,seed,shape,N_params,N_params_non_embedding,D_tokens,C_train,task,question,num_samples,num_correct";

    public static string SpecPath(string dir) => Path.Combine(dir, "spec.json");
    public static string EvidencePath(string dir) => Path.Combine(dir, "evidence.csv");
    public static string SamplesPath(string dir) => Path.Combine(dir, "samples.csv");
    public static string RunDir(string dir, string id) => Path.Combine(dir, "runs", id);
    /// <summary>DIR/evidence.csv for the base models, DIR/evidence-ft.csv and DIR/evidence-sft.csv after post-training.</summary>
    public static string EvidencePath(string dir, string variant) => variant == "base" ? EvidencePath(dir) : Path.Combine(dir, $"evidence-{variant}.csv");
    public static string SamplesPath(string dir, string variant) => variant == "base" ? SamplesPath(dir) : Path.Combine(dir, $"samples-{variant}.csv");
    public static string PostTrainingPath(string dir) => Path.Combine(dir, "post-training.csv");
    /// <summary>DIR/evidence-repeated.csv: the repeated-data runs (the data wall), with their corpus's unique tokens.</summary>
    public static string RepeatedEvidencePath(string dir) => Path.Combine(dir, "evidence-repeated.csv");

    /// <summary>The exact unique tokens of a repeated run's corpus (whole documents: at least the spec's figure).</summary>
    /// <remarks>Memoised: the combined evidence is rewritten after every run, and a corpus of a million tokens takes a
    /// second to encode; the answer depends only on the world and the figure asked for.</remarks>
    public static long RepeatedCorpus(LadderSpec spec, long uniqueTokens) =>
        CorpusSizes.GetOrAdd((spec.WorldSeed, JsonSerializer.Serialize(spec.World, T2.IO.JsonTypes.Of<WorldOptions>(LadderSpec.Json)), uniqueTokens),
            _ => T2.Testbed.Training.TokenStream.Corpus(new SyntheticWorld(spec.WorldSeed, spec.World), uniqueTokens).Tokens);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, string, long), long> CorpusSizes = new();
    /// <summary>DIR/evidence-all.csv: the base models and every post-trained variant in one table (a variant column), for
    /// 'fit t2' to fit every variant side by side.</summary>
    public static string EvidenceAllPath(string dir) => Path.Combine(dir, "evidence-all.csv");

    /// <summary>
    /// The spec to run in a ladder directory: a rerun must ask for the same ladder as the one started there (spec.json), but
    /// may change the parallelism and add extra points; extra points of earlier runs are kept (their runs are part of the
    /// ladder and of its evidence), so the result is the directory's spec plus whatever this one adds.
    /// </summary>
    public static LadderSpec Merge(string dir, LadderSpec spec)
    {
        var path = SpecPath(dir);
        if (!File.Exists(path)) return spec;
        LadderSpec old;
        try { old = LadderSpec.Parse(File.ReadAllText(path), path); }
        catch (LadderSpecException e) { throw new LadderSpecException(path, e.Field, "this ladder directory's own spec no longer reads: " + e.Message); }
        string Core(LadderSpec s) => (s with { Extra = [], Parallel = 0, PostTrain = [], Repeated = [] }).ToJson();
        if (Core(old) != Core(spec))
            throw new LadderSpecException(dir, "", "holds a different ladder (its spec.json differs in more than extra points or parallel); use another --out");
        return spec with
        {
            // By value: an extra's seeds are a list, which record equality compares by reference.
            Extra = [.. old.Extra, .. spec.Extra.Where(x => !old.Extra.Contains(x))],
            Repeated = [.. old.Repeated, .. spec.Repeated.Where(x => !old.Repeated.Contains(x))],
            PostTrain = [.. old.PostTrain, .. spec.PostTrain.Where(v => !old.PostTrain.Contains(v))],
        };
    }

    public static LadderResult Run(string dir, LadderSpec spec, IProgress<LadderProgress>? progress = null, CancellationToken cancel = default)
    {
        spec = Merge(dir, spec);
        spec.Validate("spec");
        T2.IO.AtomicFile.EnsureDirectory(dir);
        T2.IO.AtomicFile.WriteAllText(SpecPath(dir), spec.ToJson());
        var plan = LadderPlan.Expand(spec);
        var world = new SyntheticWorld(spec.WorldSeed, spec.World);
        var questions = world.Questions();
        int parallel = spec.Parallel > 0 ? spec.Parallel : Math.Max(1, Environment.ProcessorCount);
        var todo = plan.Runs.Where(r => !File.Exists(LikelihoodPath(dir, r))).OrderByDescending(r => r.Flops).ToList();
        double flopsTotal = plan.Runs.Sum(r => r.Flops);
        double flopsDone = plan.Runs.Where(r => !todo.Contains(r)).Sum(r => r.Flops);
        int done = plan.Runs.Count - todo.Count, skipped = done;
        var sw = Stopwatch.StartNew();
        var running = new Dictionary<string, long>(); // id → tokens trained so far in this process
        long tokensNow = 0; double flopsNow = 0, flopsHere = 0, bestSingle = 0; // in-progress and finished-here FLOPs
        var gate = new object();
        void Report()
        {
            if (progress is null) return;
            double secs = sw.Elapsed.TotalSeconds, tps = tokensNow / Math.Max(1e-9, secs);
            double flopRate = (flopsHere + flopsNow) / Math.Max(1e-9, secs), left = flopsTotal - flopsDone - flopsNow;
            var eta = flopRate > 0 ? TimeSpan.FromSeconds(Math.Min(1e7, left / flopRate)) : TimeSpan.Zero;
            progress.Report(new LadderProgress(done, plan.Runs.Count, flopsDone + flopsNow, flopsTotal, tps, eta, [.. running.Keys]));
        }
        Report();
        SideBySide(todo, parallel, gate, r => running[r.Id] = 0, r =>
        {
            var rec = TrainAndEvaluate(dir, spec, plan.VocabSize, world, questions, r, t =>
            {
                lock (gate)
                {
                    long prev = running.GetValueOrDefault(r.Id);
                    tokensNow += t - prev; flopsNow += 6.0 * r.N * (t - prev); running[r.Id] = t;
                    Report();
                }
            }, cancel);
            lock (gate)
            {
                flopsNow -= 6.0 * r.N * running[r.Id]; running.Remove(r.Id);
                flopsDone += r.Flops; flopsHere += r.Flops; done++;
                if (rec.TrainSeconds > 0.5) bestSingle = Math.Max(bestSingle, 6.0 * r.N * rec.TokensPerSecond);
                WriteCombined(dir, spec, plan);
                Report();
            }
        }, r => running.Remove(r.Id), cancel);
        WriteCombined(dir, spec, plan);
        if (spec.PostTrain.Count > 0) PostTrainAll(dir, spec, plan, world, questions, workers: Math.Max(1, parallel), progress, cancel);
        double secs = sw.Elapsed.TotalSeconds;
        double trainedFlops = todo.Sum(r => r.Flops);
        return new LadderResult(dir, plan.Runs.Count, todo.Count, skipped, secs, trainedFlops, trainedFlops / Math.Max(1e-9, secs), bestSingle,
            parallel, EvidencePath(dir), spec.Eval.SampleN > 0 ? SamplesPath(dir) : null);
    }

    /// <summary>
    /// Runs jobs in the given order on up to <paramref name="workers"/> threads side by side, each on one core
    /// (<see cref="WorkerPool.SerialOnThisThread"/>: a shared pool oversubscribes two cores), stopping at the first error or
    /// on cancellation and rethrowing the first error that is not a cancellation. <paramref name="started"/> and
    /// <paramref name="failed"/> run under <paramref name="gate"/>; <paramref name="work"/> takes the gate itself.
    /// </summary>
    private static void SideBySide<T>(IReadOnlyCollection<T> jobs, int workers, object gate, Action<T> started, Action<T> work, Action<T> failed,
        CancellationToken cancel)
    {
        var queue = new Queue<T>(jobs);
        var errors = new List<Exception>();
        int n = Math.Min(workers, Math.Max(1, jobs.Count));
        void Worker()
        {
            WorkerPool.SerialOnThisThread = n > 1;
            while (true)
            {
                T job;
                lock (gate) { if (errors.Count > 0 || queue.Count == 0 || cancel.IsCancellationRequested) return; job = queue.Dequeue(); started(job); }
                try { work(job); }
                catch (Exception e) { lock (gate) { errors.Add(e); failed(job); } }
            }
        }
        var threads = Enumerable.Range(0, n).Select(_ => new Thread(Worker) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not OperationCanceledException) is { } err) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(err).Throw();
        cancel.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Post-training phase: every finished checkpoint, for every variant of the spec, fine-tuned with the same settings and
    /// steps (runs/ID/VARIANT/checkpoint), then evaluated like the base (likelihood.csv, samples.csv, post.json); the
    /// variant's evidence is DIR/evidence-VARIANT.csv with a variant column. Resumable in the same way as the base runs.
    /// </summary>
    private static void PostTrainAll(string dir, LadderSpec spec, LadderPlan plan, SyntheticWorld world, IReadOnlyList<Question> qs, int workers,
        IProgress<LadderProgress>? progress, CancellationToken cancel)
    {
        var jobs = plan.Runs.Where(r => r.Kind != RunKind.Repeated).SelectMany(r => spec.PostTrain.Select(v => (Run: r, Variant: v))).ToList();
        long exampleTokens = Finetuner.Examples(world, spec.FinetuneOptions(PostTrainMode.Ft), spec.Train.Sequence).Sum(e => (long)e.Tokens) * spec.Finetune.Epochs;
        double Flops((LadderPoint Run, string Variant) j) => 6.0 * j.Run.N * exampleTokens;
        var todo = jobs.Where(j => !File.Exists(VariantLikelihoodPath(dir, j.Run, j.Variant))).ToList();
        double total = jobs.Sum(Flops), doneFlops = jobs.Except(todo).Sum(Flops);
        int done = jobs.Count - todo.Count;
        var gate = new object();
        var sw = Stopwatch.StartNew(); double here = 0;
        var running = new HashSet<string>();
        void Report()
        {
            double rate = here / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
            var eta = rate > 0 ? TimeSpan.FromSeconds(Math.Min(1e7, (total - doneFlops) / rate)) : TimeSpan.Zero;
            progress?.Report(new LadderProgress(done, jobs.Count, doneFlops, total, rate / Math.Max(1, 6.0 * plan.Runs.Average(r => r.N)), eta, [.. running], "post-train"));
        }
        Report();
        string Name((LadderPoint Run, string Variant) j) => $"{j.Run.Id}/{j.Variant}";
        SideBySide(todo.OrderByDescending(Flops).ToList(), workers, gate, j => running.Add(Name(j)), j =>
        {
            PostTrainOne(dir, spec, world, qs, j.Run, j.Variant, cancel);
            lock (gate) { done++; doneFlops += Flops(j); here += Flops(j); running.Remove(Name(j)); WriteCombinedVariants(dir, spec, plan); Report(); }
        }, j => running.Remove(Name(j)), cancel);
        WriteCombinedVariants(dir, spec, plan);
    }

    private static string VariantDir(string dir, LadderPoint r, string v) => Path.Combine(RunDir(dir, r.Id), v);
    private static string VariantLikelihoodPath(string dir, LadderPoint r, string v) => Path.Combine(VariantDir(dir, r, v), "likelihood.csv");
    private static string VariantSamplesPath(string dir, LadderPoint r, string v) => Path.Combine(VariantDir(dir, r, v), "samples.csv");
    private static string PostRecordPath(string dir, LadderPoint r, string v) => Path.Combine(VariantDir(dir, r, v), "post.json");

    private static void PostTrainOne(string dir, LadderSpec spec, SyntheticWorld world, IReadOnlyList<Question> qs, LadderPoint r, string v, CancellationToken cancel)
    {
        string baseCkpt = Path.Combine(RunDir(dir, r.Id), "checkpoint"), ckpt = Path.Combine(VariantDir(dir, r, v), "checkpoint");
        var o = spec.FinetuneOptions(v == "sft" ? PostTrainMode.Sft : PostTrainMode.Ft);
        var sw = Stopwatch.StartNew();
        var info = Finetuner.Run(baseCkpt, ckpt, o, null, cancel);
        double secs = sw.Elapsed.TotalSeconds;
        cancel.ThrowIfCancellationRequested();
        var before = Checkpoint.Load(baseCkpt, withOptimizer: false).Model;
        var after = Checkpoint.Load(ckpt, withOptimizer: false).Model;
        var lik0 = Evaluator.Likelihood(before, world.Tokenizer, qs);
        var lik = Evaluator.Likelihood(after, world.Tokenizer, qs);
        QuestionResult[]? smp = spec.Eval.SampleN > 0 ? Evaluator.Sample(after, world.Tokenizer, qs, spec.Eval.SampleN, spec.Eval.Temperature, spec.Eval.SampleSeed) : null;
        var pt = info.PostTraining!;
        var rec = new PostRecord(r.Id, v, r.N, info.TokensSeen, (double)info.TokensSeen / r.N, pt.TotalSteps, pt.Tokens, pt.Flops, secs, pt.FinalLoss,
            lik0.GroupBy(x => x.Question.Family).ToDictionary(g => g.Key, g => g.Average(x => x.Nll)),
            lik.GroupBy(x => x.Question.Family).ToDictionary(g => g.Key, g => g.Average(x => x.Nll)));
        T2.IO.AtomicFile.WriteAllText(PostRecordPath(dir, r, v), JsonSerializer.Serialize(rec, T2.IO.JsonTypes.Of<PostRecord>(LadderSpec.Json)));
        if (smp is not null) T2.IO.AtomicFile.WriteAllText(VariantSamplesPath(dir, r, v), Rows(r, info.TokensSeen, smp, likelihood: false, v));
        T2.IO.AtomicFile.WriteAllText(VariantLikelihoodPath(dir, r, v), Rows(r, info.TokensSeen, lik, likelihood: true, v));
    }

    /// <summary>DIR/evidence-VARIANT.csv (and samples) from every post-trained run, and DIR/post-training.csv: the cost and
    /// the answer-NLL gain per run, variant and family.</summary>
    public static void WriteCombinedVariants(string dir, LadderSpec spec, LadderPlan plan)
    {
        var post = new StringBuilder("checkpoint,variant,N_params,D_tokens,tokens_per_param,family,nll_before,nll_after,post_steps,post_tokens,post_flops,post_seconds\n");
        var all = new StringBuilder(EvidenceHeader.Replace(",task,", ",variant,task,") + ",post_tokens\n");
        if (File.Exists(EvidencePath(dir)))
            foreach (var line in File.ReadLines(EvidencePath(dir)).Skip(1))
            {
                if (line.Length == 0) continue;
                var f = line.Split(',').ToList();
                f.Insert(9, "base"); // after C_train, before task (labels and ids have no commas)
                all.Append(string.Join(',', f)).Append(",0\n");
            }
        foreach (var v in spec.PostTrain)
        {
            // post_tokens (last column): the tokens this checkpoint saw in post-training, for plan --count-post-training.
            var lik = new StringBuilder(EvidenceHeader.Replace(",task,", ",variant,task,") + ",post_tokens\n");
            var smp = new StringBuilder(SamplesHeader.Replace(",task,", ",variant,task,") + ",post_tokens\n");
            foreach (var r in plan.Runs)
            {
                // post.json is written before likelihood.csv (the finished mark): a finished run always has its record.
                if (!File.Exists(VariantLikelihoodPath(dir, r, v)) || !File.Exists(PostRecordPath(dir, r, v))) continue;
                var rec = JsonSerializer.Deserialize(File.ReadAllText(PostRecordPath(dir, r, v)), T2.IO.JsonTypes.Of<PostRecord>(LadderSpec.Json))!;
                string tail = "," + rec.PostTokens.ToString(CultureInfo.InvariantCulture);
                static void AppendWith(StringBuilder sb, string text, string tail)
                {
                    foreach (var line in text.Split('\n'))
                        if (line.Length > 0) sb.Append(line.TrimEnd('\r')).Append(tail).Append('\n');
                }
                AppendWith(lik, File.ReadAllText(VariantLikelihoodPath(dir, r, v)), tail);
                if (File.Exists(VariantSamplesPath(dir, r, v))) AppendWith(smp, File.ReadAllText(VariantSamplesPath(dir, r, v)), tail);
                string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
                foreach (var fam in rec.NllBefore.Keys.Order(StringComparer.Ordinal))
                    post.AppendLine(string.Join(',', rec.Id, v, rec.N.ToString(CultureInfo.InvariantCulture), rec.Tokens.ToString(CultureInfo.InvariantCulture),
                        F(rec.TokensPerParam), fam, F(rec.NllBefore[fam]), F(rec.NllAfter[fam]), rec.Steps.ToString(CultureInfo.InvariantCulture),
                        rec.PostTokens.ToString(CultureInfo.InvariantCulture), F(rec.PostFlops), F(rec.Seconds)));
            }
            T2.IO.AtomicFile.WriteAllText(EvidencePath(dir, v), lik.ToString());
            if (spec.Eval.SampleN > 0) T2.IO.AtomicFile.WriteAllText(SamplesPath(dir, v), smp.ToString());
            string body = lik.ToString();
            int headerEnd = body.IndexOf('\n') + 1;
            all.Append(body, headerEnd, body.Length - headerEnd); // the variant's rows without its header
        }
        if (spec.PostTrain.Count > 0) T2.IO.AtomicFile.WriteAllText(EvidenceAllPath(dir), all.ToString());
        T2.IO.AtomicFile.WriteAllText(PostTrainingPath(dir), post.ToString());
    }

    private static string LikelihoodPath(string dir, LadderPoint r) => Path.Combine(RunDir(dir, r.Id), "likelihood.csv");
    private static string RunSamplesPath(string dir, LadderPoint r) => Path.Combine(RunDir(dir, r.Id), "samples.csv");
    private static string RecordPath(string dir, LadderPoint r) => Path.Combine(RunDir(dir, r.Id), "run.json");

    public static TrainOptions TrainOptionsFor(LadderSpec spec, LadderPoint r) => new()
    {
        Tokens = r.Tokens, Batch = spec.Train.Batch, Sequence = spec.Train.Sequence, LearningRate = spec.Train.LearningRate,
        WarmupFraction = spec.Train.WarmupFraction, WeightDecay = spec.Train.WeightDecay, Seed = r.Seed,
        CheckpointSeconds = spec.Train.CheckpointSeconds, UniqueTokens = r.UniqueTokens,
    };

    private static RunRecord TrainAndEvaluate(string dir, LadderSpec spec, int vocab, SyntheticWorld world, IReadOnlyList<Question> qs,
        LadderPoint r, Action<long> tokens, CancellationToken cancel)
    {
        string runDir = RunDir(dir, r.Id), ckpt = Path.Combine(runDir, "checkpoint");
        var config = LadderPlan.Config(spec, vocab, r.Shape);
        var o = TrainOptionsFor(spec, r);
        var sw = Stopwatch.StartNew();
        long startTokens = Checkpoint.Exists(ckpt) ? Checkpoint.LoadInfo(ckpt).TokensSeen : 0;
        var info = Trainer.Run(ckpt, config, o, spec.WorldSeed, spec.World, new Callback(p => tokens(p.TokensSeen - startTokens)), cancel);
        double trainSecs = sw.Elapsed.TotalSeconds;
        double tps = (info.TokensSeen - startTokens) / Math.Max(1e-9, trainSecs);
        cancel.ThrowIfCancellationRequested();
        var model = Checkpoint.Load(ckpt, withOptimizer: false).Model;
        var ev = Stopwatch.StartNew();
        var lik = Evaluator.Likelihood(model, world.Tokenizer, qs);
        QuestionResult[]? smp = spec.Eval.SampleN > 0 ? Evaluator.Sample(model, world.Tokenizer, qs, spec.Eval.SampleN, spec.Eval.Temperature, spec.Eval.SampleSeed) : null;
        var rec = new RunRecord(r.Id, LadderPoint.KindName(r.Kind), r.Label, r.Shape.Name, r.Seed, r.N, r.NNonEmbedding, info.TokensSeen,
            6.0 * r.N * info.TokensSeen, info.FinalLoss, trainSecs, tps, ev.Elapsed.TotalSeconds);
        T2.IO.AtomicFile.WriteAllText(RecordPath(dir, r), JsonSerializer.Serialize(rec, T2.IO.JsonTypes.Of<RunRecord>(LadderSpec.Json)));
        // The samples first: the likelihood file is the "finished" mark, so it is written last.
        if (smp is not null) T2.IO.AtomicFile.WriteAllText(RunSamplesPath(dir, r), Rows(r, info.TokensSeen, smp, likelihood: false));
        T2.IO.AtomicFile.WriteAllText(LikelihoodPath(dir, r), Rows(r, info.TokensSeen, lik, likelihood: true));
        return rec;
    }

    private static string Rows(LadderPoint r, long tokens, QuestionResult[] results, bool likelihood, string? variant = null)
    {
        var sb = new StringBuilder();
        string prefix = string.Join(',', r.Id, LadderPoint.KindName(r.Kind), r.Label, r.Seed.ToString(CultureInfo.InvariantCulture), r.Shape.Name,
            r.N.ToString(CultureInfo.InvariantCulture), r.NNonEmbedding.ToString(CultureInfo.InvariantCulture), tokens.ToString(CultureInfo.InvariantCulture),
            (6.0 * r.N * tokens).ToString("R", CultureInfo.InvariantCulture));
        foreach (var q in results)
        {
            sb.Append(prefix).Append(',');
            if (variant is not null) sb.Append(variant).Append(',');
            sb.Append(q.Question.Family).Append(',').Append(q.Question.Id).Append(',');
            sb.AppendLine(likelihood ? q.Nll.ToString("R", CultureInfo.InvariantCulture) : $"{q.Samples},{q.Correct}");
        }
        return sb.ToString();
    }

    /// <summary>The ladder's evidence from every finished run, in plan order (so it never depends on what ran when).</summary>
    public static void WriteCombined(string dir, LadderSpec spec, LadderPlan plan)
    {
        var lik = new StringBuilder(EvidenceHeader + "\n"); var smp = new StringBuilder(SamplesHeader + "\n");
        // Repeated-data runs are a different experiment (their D is not unique tokens): their own file, with U.
        var rep = new StringBuilder(EvidenceHeader + ",unique_tokens\n");
        foreach (var r in plan.Runs)
        {
            if (!File.Exists(LikelihoodPath(dir, r))) continue;
            if (r.Kind == RunKind.Repeated)
            {
                string tail = "," + RepeatedCorpus(spec, r.UniqueTokens).ToString(CultureInfo.InvariantCulture);
                foreach (var line in File.ReadAllText(LikelihoodPath(dir, r)).Split('\n'))
                    if (line.Length > 0) rep.Append(line.TrimEnd('\r')).Append(tail).Append('\n');
                continue;
            }
            lik.Append(File.ReadAllText(LikelihoodPath(dir, r)));
            if (File.Exists(RunSamplesPath(dir, r))) smp.Append(File.ReadAllText(RunSamplesPath(dir, r)));
        }
        T2.IO.AtomicFile.WriteAllText(EvidencePath(dir), lik.ToString());
        if (spec.Eval.SampleN > 0) T2.IO.AtomicFile.WriteAllText(SamplesPath(dir), smp.ToString());
        if (spec.Repeated.Count > 0) T2.IO.AtomicFile.WriteAllText(RepeatedEvidencePath(dir), rep.ToString());
    }

    /// <summary>The run records of every finished run (for the ladder summary and the report).</summary>
    public static List<RunRecord> Records(string dir, LadderSpec spec)
    {
        var list = new List<RunRecord>();
        foreach (var r in LadderPlan.Expand(spec).Runs)
            if (File.Exists(RecordPath(dir, r)) && File.Exists(LikelihoodPath(dir, r)))
                list.Add(JsonSerializer.Deserialize(File.ReadAllText(RecordPath(dir, r)), T2.IO.JsonTypes.Of<RunRecord>(LadderSpec.Json))!);
        return list;
    }

    private sealed class Callback(Action<TrainProgress> f) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => f(value);
    }
}
