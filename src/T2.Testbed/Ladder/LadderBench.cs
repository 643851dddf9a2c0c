using System.Diagnostics;
using T2.Testbed.Model;
using T2.Testbed.Training;

namespace T2.Testbed.Ladder;

/// <summary>One run the benchmark trained: its cost counted as 6·N·D and as the FLOPs the engine executed.</summary>
/// <remarks><see cref="CpuSeconds"/> is the training thread's CPU time (NaN where unavailable): on a shared machine the
/// wall time also counts the moments the thread waited for a core.</remarks>
public sealed record BenchRun(string Id, string Shape, long N, long Tokens, double Flops6ND, double FlopsExecuted, double Seconds, double CpuSeconds);

/// <summary>Σ over the runs of one shape: FLOPs and the seconds its runs took (each on one worker).</summary>
public sealed record BenchShape(string Shape, int DModel, int Layers, int Runs, double Flops6ND, double FlopsExecuted, double RunSeconds, double CpuSeconds);

/// <summary>The ladder's training phase as <c>t2 ladder</c> runs it (side by side, longest first), without evaluation.</summary>
public sealed record LadderBenchResult(string Spec, string Sample, int RunsInSpec, int Workers, double WallSeconds, double CpuSeconds, double Flops6ND,
    double FlopsExecuted, IReadOnlyList<BenchRun> Runs, IReadOnlyList<BenchShape> Shapes)
{
    public double FlopsPerSecond => Flops6ND / Math.Max(1e-9, WallSeconds);
}

/// <summary>
/// Times the training phase of a ladder: the spec's runs (or a stated sample) trained exactly as <see cref="LadderRunner"/>
/// trains them — <see cref="Trainer.Run"/> into a scratch directory, checkpoints included, side by side on the spec's
/// workers, longest first — but not evaluated, so the figure is training throughput alone.
/// </summary>
public static class LadderBench
{
    /// <summary>The sample names <see cref="Select"/> accepts.</summary>
    public static readonly string[] Samples = ["all", "per-shape"];

    /// <summary>
    /// The runs to time: "all" (every run of the plan) or "per-shape" (each shape's cheapest run, ties broken by plan
    /// order: every width and depth of the ladder at the least cost).
    /// </summary>
    public static IReadOnlyList<LadderPoint> Select(LadderPlan plan, string sample) => sample switch
    {
        "all" => plan.Runs,
        "per-shape" => [.. plan.Runs.GroupBy(r => r.Shape).Select(g => g.MinBy(r => r.Flops)!)],
        _ => throw new ArgumentException($"sample '{sample}' is not one of {string.Join(", ", Samples)}."),
    };

    /// <summary>
    /// Matmul and attention FLOPs executed per token by forward and backward (multiply-add = 2, backward = 2 × forward):
    /// per block 6·12C² for the four linear layers and 6·C·(T+1) for causal attention's scores and weighted sum (a query
    /// at position t reads t+1 keys; the mean over t is (T+1)/2, times 2 products, times 2 FLOPs); the tied head 6·V·C.
    /// Embedding lookups, LayerNorm, GELU and softmax are not counted (elementwise).
    /// </summary>
    public static double ExecutedFlopsPerToken(ModelConfig c, int sequence)
        => c.Layers * (72.0 * c.DModel * c.DModel + 6.0 * c.DModel * (sequence + 1)) + 6.0 * c.VocabSize * c.DModel;

    public static LadderBenchResult Run(LadderSpec spec, string specName, string sample, string scratch, IProgress<BenchRun>? progress = null,
        CancellationToken cancel = default)
    {
        var plan = LadderPlan.Expand(spec);
        var runs = Select(plan, sample).OrderByDescending(r => r.Flops).ToList();
        int workers = Math.Min(spec.Parallel > 0 ? spec.Parallel : Math.Max(1, Environment.ProcessorCount), Math.Max(1, runs.Count));
        var done = new List<BenchRun>();
        var gate = new object();
        var queue = new Queue<LadderPoint>(runs);
        Exception? error = null;
        var sw = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        void Worker()
        {
            WorkerPool.SerialOnThisThread = workers > 1; // as LadderRunner: one core per run when runs share the machine
            while (true)
            {
                LadderPoint r;
                lock (gate) { if (error is not null || queue.Count == 0 || cancel.IsCancellationRequested) return; r = queue.Dequeue(); }
                try
                {
                    var config = LadderPlan.Config(spec, plan.VocabSize, r.Shape);
                    var o = LadderRunner.TrainOptionsFor(spec, r);
                    string dir = Path.Combine(scratch, r.Id);
                    var t0 = Stopwatch.StartNew();
                    long c0 = ThreadCpuClock.Now();
                    var info = Trainer.Run(dir, config, o, spec.WorldSeed, spec.World, null, cancel);
                    double secs = t0.Elapsed.TotalSeconds, cpu = c0 < 0 ? double.NaN : (ThreadCpuClock.Now() - c0) / 1e9;
                    var run = new BenchRun(r.Id, r.Shape.Name, r.N, info.TokensSeen, 6.0 * r.N * info.TokensSeen,
                        ExecutedFlopsPerToken(config, o.Sequence) * info.TokensSeen, secs, cpu);
                    lock (gate) { done.Add(run); progress?.Report(run); }
                }
                catch (Exception e) { lock (gate) error ??= e; }
            }
        }
        var threads = Enumerable.Range(0, workers).Select(_ => new Thread(Worker) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        double wall = sw.Elapsed.TotalSeconds, cpuAll = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        cancel.ThrowIfCancellationRequested();
        var byShape = done.GroupBy(r => r.Shape).Select(g =>
        {
            var s = runs.First(r => r.Shape.Name == g.Key).Shape;
            return new BenchShape(g.Key, s.DModel, s.Layers, g.Count(), g.Sum(r => r.Flops6ND), g.Sum(r => r.FlopsExecuted), g.Sum(r => r.Seconds),
                g.Sum(r => r.CpuSeconds));
        }).OrderBy(s => s.DModel).ThenBy(s => s.Layers).ToList();
        var ordered = done.OrderBy(r => runs.FindIndex(x => x.Id == r.Id)).ToList();
        return new LadderBenchResult(specName, sample, plan.Runs.Count, workers, wall, cpuAll, done.Sum(r => r.Flops6ND), done.Sum(r => r.FlopsExecuted),
            ordered, byShape);
    }
}
