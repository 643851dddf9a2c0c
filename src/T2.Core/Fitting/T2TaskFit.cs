using T2.Core.Evidence;
using T2.Core.Health;
using T2.Core.Laws;

namespace T2.Core.Fitting;

public sealed record T2FitOptions
{
    public bool Approach1 { get; set; } = true;
    public bool Approach2 { get; set; } = true;
    /// <summary>k grid; null = 1, 2, 4, … up to the largest power of two ≤ the fewest samples (counts) or ≤ 1024 (NLL).</summary>
    public double[]? KGrid { get; init; }
    public CountTarget Target { get; set; } = CountTarget.Aggregate;
    public Approach1FitOptions A1 { get; set; } = new();
    public Approach2FitOptions A2 { get; set; } = new();
    public int Bootstrap { get; set; } = 0;
    public int Seed { get; set; } = 0;
    public double Level { get; set; } = 0.95;
}

/// <summary>Per-checkpoint curves and Beta diagnostic, as fitted.</summary>
public sealed record CheckpointSummary(string Name, double N, double D, double[] AccK, double[] NllK, BetaDiagnosticResult Beta);

/// <summary>Bootstrap replicates of one approach (checkpoints resampled); failed resamples are counted, not listed.</summary>
public sealed record ReplicateSet<TLaw>(IReadOnlyList<TLaw> Laws, int Requested, IReadOnlyList<Finding> Health);

public sealed record T2TaskFitResult
{
    public required string Task { get; init; }
    public required string EvidenceKind { get; init; }
    public required string Target { get; init; }
    public required double[] KGrid { get; init; }
    /// <summary>Range of every checkpoint of the task (each approach also records the range it actually used).</summary>
    public required FitRange Range { get; init; }
    public required IReadOnlyList<CheckpointSummary> Checkpoints { get; init; }
    public Approach1FitResult? Approach1 { get; init; }
    /// <summary>(checkpoint, k) observations Approach 1 dropped because NLL_k was infinite (nothing solved).</summary>
    public int Approach1Dropped { get; init; }
    public Approach2FitResult? Approach2 { get; init; }
    public ReplicateSet<Approach1Law>? Approach1Boot { get; init; }
    public ReplicateSet<Approach2Law>? Approach2Boot { get; init; }
    public int BootstrapRequested { get; init; }
    /// <summary>Task-level findings (the Beta check).</summary>
    public required IReadOnlyList<Finding> Health { get; init; }

    /// <summary>Range of the points Approach 2 used: stage 1's checkpoints and the k grid of stage 2.</summary>
    public FitRange? Approach2Range => Approach2 is { } a ? a.Stage1.Range with { KMin = KGrid.Min(), KMax = KGrid.Max() } : null;
}

/// <summary>Fits T² Approach 1 and/or 2 to one task of a checkpoint ladder (the orchestration behind <c>t2 fit t2</c>).</summary>
public static class T2TaskFit
{
    public static double[] DefaultKGrid(IReadOnlyList<CheckpointEvidence> cps)
    {
        long min = cps.Min(c => c.MinSamples);
        return TaskCurves.PowersOfTwo(min == long.MaxValue ? 1024 : min);
    }

    /// <summary>Distinct (N, D) checkpoints the requested approaches need.</summary>
    public static int Needed(T2FitOptions o) => Math.Max(o.Approach1 ? Approach1Fit.ParameterCount : 0, o.Approach2 ? 5 : 0);

    public static T2TaskFitResult Fit(string task, IReadOnlyList<CheckpointEvidence> cps, T2FitOptions o, IProgress<string>? progress = null)
    {
        if (cps.Count == 0) throw new ArgumentException($"task '{task}': no checkpoints.");
        var ks = o.KGrid ?? DefaultKGrid(cps);
        long minN = cps.Min(c => c.MinSamples);
        if (ks.Max() > minN) throw new ArgumentException($"task '{task}': k = {ks.Max()} exceeds the {minN} samples some question has; pass@k has no unbiased estimate beyond n.");
        int need = Needed(o);
        var distinct = cps.Select(c => (c.N, c.D)).Distinct().Count();
        if (distinct < need) throw new ArgumentException($"task '{task}': {distinct} distinct checkpoints (N, D) for a law with {need} parameters; at least {need} are needed.");

        var curves = cps.Select(c => c.Curve(ks, o.Target)).ToArray();
        var summaries = cps.Select((c, j) => new CheckpointSummary(c.Name, c.N, c.D, curves[j].AccK, curves[j].NllK,
            c.IsCounts ? BetaDiagnostic.FromCounts(c.Samples!, c.Correct!, ks) : BetaDiagnostic.FromNll(c.Nll!, ks))).ToList();
        var range = FitRange.Of(cps.Select(c => c.N).ToArray(), cps.Select(c => c.D).ToArray(), ks);

        progress?.Report($"{task}: fitting");
        var (a1, dropped) = o.Approach1 ? FitA1(cps, curves, ks, o.A1) : (null, 0);
        var a2 = o.Approach2 ? FitA2(cps, curves, ks, o.A2) : null;

        ReplicateSet<Approach1Law>? boot1 = null; ReplicateSet<Approach2Law>? boot2 = null;
        if (o.Bootstrap > 0)
        {
            var rng = new Random(o.Seed);
            var draws = Enumerable.Range(0, o.Bootstrap).Select(_ => Enumerable.Range(0, cps.Count).Select(_ => rng.Next(cps.Count)).ToArray()).ToArray();
            var r1 = new Approach1FitResult?[o.Bootstrap]; var r2 = new Approach2FitResult?[o.Bootstrap];
            // Resamples use fewer starts: the full-data optimum plus 24 seeded random starts (Approach 1), a 10-value E profile
            // with 8 restarts and the full-data θ plus a small grid (Approach 2).
            var a1o = o.A1 with { RandomStarts = 24, UseGrid = false, Parallel = false, Seed = o.Seed };
            var a2o = o.A2 with { ProfilePoints = 10, RestartsPerE = 8, Parallel = false, SigmoidSeeds = 2, Theta3Grid = [-2, 0, 2], Theta4Grid = [-0.3, 0, 0.3] };
            int done = 0;
            Parallel.For(0, o.Bootstrap, b =>
            {
                var sample = draws[b].Select(i => cps[i]).ToList();
                var sc = draws[b].Select(i => curves[i]).ToArray();
                if (sample.Select(c => (c.N, c.D)).Distinct().Count() >= need)
                {
                    try
                    {
                        if (a1 is not null) { var f = FitA1(sample, sc, ks, a1o, a1.X).Item1; if (double.IsFinite(f.Objective)) r1[b] = f; }
                        if (a2 is not null) { var f = FitA2(sample, sc, ks, a2o); if (double.IsFinite(f.Objective)) r2[b] = f; }
                    }
                    catch (ArgumentException) { } // a degenerate resample (too few usable points) counts as failed
                    catch (InvalidOperationException) { }
                }
                int n = Interlocked.Increment(ref done);
                if (n % 10 == 0) progress?.Report($"{task}: bootstrap {n}/{o.Bootstrap}");
            });
            if (a1 is not null)
            {
                var ok = r1.Where(r => r is not null).Select(r => r!).ToList();
                boot1 = new ReplicateSet<Approach1Law>(ok.Select(r => r.Law).ToList(), o.Bootstrap,
                    HealthChecks.BootstrapReplicates(ok.Select(r => r.Health).ToList(), o.Bootstrap, "bootstrap").ToList());
            }
            if (a2 is not null)
            {
                var ok = r2.Where(r => r is not null).Select(r => r!).ToList();
                boot2 = new ReplicateSet<Approach2Law>(ok.Select(r => r.Law).ToList(), o.Bootstrap,
                    HealthChecks.BootstrapReplicates(ok.Select(r => r.Health).ToList(), o.Bootstrap, "bootstrap").ToList());
            }
        }
        var worst = summaries.Where(c => double.IsFinite(c.Beta.MaxAccGap)).MaxBy(c => c.Beta.MaxAccGap);
        var health = worst is null ? [] : HealthChecks.BetaCheck(worst.Beta.MaxAccGap, worst.Name, worst.Beta.GapAtK, "beta_check").ToList();
        return new T2TaskFitResult
        {
            Task = task, EvidenceKind = cps[0].IsCounts ? "counts" : "nll", Target = curves[0].Target, KGrid = ks, Range = range,
            Checkpoints = summaries, Approach1 = a1, Approach1Dropped = dropped, Approach2 = a2, Approach1Boot = boot1, Approach2Boot = boot2,
            BootstrapRequested = o.Bootstrap, Health = health,
        };
    }

    private static (Approach1FitResult, int) FitA1(IReadOnlyList<CheckpointEvidence> cps, TaskCurve[] curves, double[] ks, Approach1FitOptions o, double[]? extraStart = null)
    {
        var n = new List<double>(); var d = new List<double>(); var k = new List<double>(); var y = new List<double>();
        int dropped = 0;
        for (int j = 0; j < cps.Count; j++)
            for (int q = 0; q < ks.Length; q++)
            {
                double v = curves[j].NllK[q];
                if (!double.IsFinite(v)) { dropped++; continue; } // a checkpoint that solved nothing: −log 0
                n.Add(cps[j].N); d.Add(cps[j].D); k.Add(ks[q]); y.Add(v);
            }
        return (Approach1Fit.Fit(n.ToArray(), d.ToArray(), k.ToArray(), y.ToArray(), o, extraStart), dropped);
    }

    private static Approach2FitResult FitA2(IReadOnlyList<CheckpointEvidence> cps, TaskCurve[] curves, double[] ks, Approach2FitOptions o)
    {
        var idx = Enumerable.Range(0, cps.Count).Where(j => double.IsFinite(curves[j].NllK[0])).ToArray();
        var oc = new List<int>(); var ok = new List<double>(); var oa = new List<double>();
        for (int j = 0; j < cps.Count; j++) for (int q = 0; q < ks.Length; q++) { oc.Add(j); ok.Add(ks[q]); oa.Add(curves[j].AccK[q]); }
        // Stage 1 uses the checkpoints with a finite k = 1 NLL; stage 2 scores every checkpoint (its L̂ comes from the law).
        var n = cps.Select(c => c.N).ToArray(); var d = cps.Select(c => c.D).ToArray();
        return Approach2Fit.Fit(n, d, cps.Select((c, j) => curves[j].NllK[0]).ToArray(), oc.ToArray(), ok.ToArray(), oa.ToArray(), o, idx);
    }
}
