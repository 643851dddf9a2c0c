using T2.Core.Evidence;
using T2.Core.PassK;
using T2.Core.Planning;

namespace T2.Core.Validation;

/// <summary>What the ladder says about one run: its kind (isoflop, overtrained, extra), label, seed and point.</summary>
public sealed record RunMeta(string Checkpoint, string Kind, string Label, int Seed, double N, double D, double CTrain, double TrainLoss);

/// <summary>One task's evidence: likelihood per run, and sampled counts per run when the ladder sampled.</summary>
public sealed record TaskEvidence(string Task, IReadOnlyList<CheckpointEvidence> Likelihood, IReadOnlyList<CheckpointEvidence>? Samples);

public sealed record ValidationInput
{
    public required IReadOnlyList<RunMeta> Runs { get; init; }
    public required IReadOnlyList<TaskEvidence> Tasks { get; init; }
    /// <summary>Fitted on the isoFLOP runs only (task order as <see cref="Tasks"/>, then the macro task when there is one).</summary>
    public required IReadOnlyList<FittedTask> Fits { get; init; }
    public required double CTrain { get; init; }
    public required double CInf { get; init; }
    /// <summary>k at which RQ2 compares forecasts with measurements.</summary>
    public double[] Rq2K { get; init; } = [1, 4, 16, 64];
}

public sealed record Rq2Point(string Checkpoint, double N, double D, double K, double Observed, double Predicted);
public sealed record Rq2Row(string Task, string Approach, string Metric, double RelativeError, double SignedRelativeError, int Runs,
    IReadOnlyList<Rq2Point> Points);

/// <summary>A side of Table 1: the ladder's run and, when it was retrained with more seeds (<see
/// cref="LadderValidation.ReplicateLabel"/>), pass@k per seed (the ladder's seed first) and their mean.</summary>
public sealed record Table1Side(string Checkpoint, double N, double D, double K, double PassAtK, double? SampledPassAtK, int? SampledK)
{
    public IReadOnlyList<(int Seed, double PassAtK)> Seeds { get; init; } = [];
    public double? MeanPassAtK => Seeds.Count < 2 ? null : Seeds.Average(s => s.PassAtK);
}

/// <summary><see cref="MeanRatio"/>: the ratio of the seed means when both sides were retrained (null otherwise).</summary>
public sealed record Table1Row(string Task, double CTrain, double CInf, Table1Side Overtrained, Table1Side Chinchilla, double Ratio, double? SampledRatio)
{
    public double? MeanRatio => Overtrained.MeanPassAtK is { } o && Chinchilla.MeanPassAtK is { } c && c > 0 ? o / c : null;
}

public sealed record Rq1Side(string? Shape, double N, double D, double K, double Predicted, double? Measured, IReadOnlyList<double> Seeds);
public sealed record Rq1Row(string Task, string Approach, string Metric, Rq1Side Planned, Rq1Side Chinchilla, double? PlannedN, double? ChinchillaPlannedN);

public sealed record LadderValidationResult
{
    public required double CTrain { get; init; }
    public required double CInf { get; init; }
    public required IReadOnlyList<Rq2Row> Rq2 { get; init; }
    public required IReadOnlyList<Table1Row> Table1 { get; init; }
    public required IReadOnlyList<Rq1Row> Rq1 { get; init; }
    /// <summary>Plain-language notes: what could not be computed and why.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>
/// The paper's validation on a ladder (RQ2, Table 1, RQ1), from fits made on the isoFLOP runs only.
/// <list type="bullet">
/// <item>RQ2: every overtrained run predicted by both approaches at the k of <see cref="ValidationInput.Rq2K"/>; relative
///   error (predicted − observed)/observed, signed and absolute, averaged over runs and k (Approach 1 on NLL_k, Approach 2 on
///   Acc_k); the macro row compares the mean of the tasks' predictions with the mean of their observations.</item>
/// <item>Table 1: at the largest isoFLOP budget, the loss-optimal run (lowest final training loss among that budget's
///   isoFLOP runs) against the best overtrained run that cost no more to train, each at its own k = C_inf/2N: exact pass@k
///   from the likelihood (real k), and the unbiased estimator from sampled counts at ⌊k⌋ when ⌊k⌋ ≤ n.</item>
/// <item>Table 1's macro pair (the best overtrained run and the loss-optimal run) can be retrained with more seeds: extra
///   runs labelled <see cref="ReplicateLabel"/> of the ladder run, same shape and tokens. Each side then carries pass@k per
///   seed and the row the ratio of the seed means — the single-seed ladder's comparison with its seed spread, measured on
///   a pair chosen before the new seeds were drawn (so the choice's luck does not carry over).</item>
/// <item>RQ1: the runs labelled t2opt-* and chinchilla-* (the plan's models, trained with every seed) measured at k =
///   C_inf/2N of the shape actually trained, beside the law's forecast for that same (N, D, k).</item>
/// </list>
/// </summary>
public static class LadderValidation
{
    public const string T2Label = "t2opt-", ChinchillaLabel = "chinchilla-", ReplicatePrefix = "replicate-";

    /// <summary>The label of a ladder run's retrained copies: "replicate-" and the run's id without its seed suffix.</summary>
    public static string ReplicateLabel(string checkpoint)
    {
        int at = checkpoint.LastIndexOf("-s", StringComparison.Ordinal);
        bool seeded = at > 0 && checkpoint.Length > at + 2 && checkpoint[(at + 2)..].All(char.IsAsciiDigit);
        // Labels take letters, digits, '-' and '_' only (a budget's "2.0e12" becomes "2_0e12").
        string run = seeded ? checkpoint[..at] : checkpoint;
        return ReplicatePrefix + new string(run.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
    }

    /// <summary>Table 1's macro pair (else the first task's) — the runs <see cref="ReplicateLabel"/> copies retrain.</summary>
    public static (string Overtrained, string Chinchilla)? Table1Pair(LadderValidationResult r)
    {
        var row = r.Table1.FirstOrDefault(x => x.Task == MacroTask.Name) ?? r.Table1.FirstOrDefault();
        return row is null ? null : (row.Overtrained.Checkpoint, row.Chinchilla.Checkpoint);
    }

    public static LadderValidationResult Run(ValidationInput input)
    {
        var notes = new List<string>();
        var meta = input.Runs.ToDictionary(r => r.Checkpoint, StringComparer.Ordinal);
        var fits = input.Fits.ToDictionary(f => f.Task, StringComparer.Ordinal);
        var rq2 = Rq2(input, meta, fits, notes);
        var t1 = Table1(input, meta, notes);
        var rq1 = Rq1(input, meta, fits, notes);
        return new LadderValidationResult { CTrain = input.CTrain, CInf = input.CInf, Rq2 = rq2, Table1 = t1, Rq1 = rq1, Notes = notes };
    }

    /// <summary>Exact pass@k from gold-answer NLLs at a real k: mean of 1 − (1 − p)^k with p = e^−nll.</summary>
    public static double PassFromNll(IReadOnlyList<double> nll, double k) => nll.Average(x => PassAtK.FromProbability(Math.Exp(-x), k));

    public static double? PassFromCounts(CheckpointEvidence c, int k) =>
        k < 1 || c.Samples is null || c.Samples.Any(n => n < k) ? null : Enumerable.Range(0, c.Samples.Length).Average(i => PassAtK.Unbiased((int)c.Samples[i], (int)c.Correct![i], k));

    private static List<Rq2Row> Rq2(ValidationInput input, Dictionary<string, RunMeta> meta, Dictionary<string, FittedTask> fits, List<string> notes)
    {
        var rows = new List<Rq2Row>();
        var ot = input.Runs.Where(r => r.Kind == "overtrained").Select(r => r.Checkpoint).ToHashSet(StringComparer.Ordinal);
        if (ot.Count == 0) { notes.Add("RQ2: the ladder has no overtrained runs to predict."); return rows; }
        // observed[task][checkpoint][k] per approach metric
        var obs = new Dictionary<string, Dictionary<string, (double[] Acc, double[] Nll)>>();
        foreach (var t in input.Tasks)
        {
            var d = new Dictionary<string, (double[], double[])>();
            foreach (var c in t.Likelihood.Where(c => ot.Contains(c.Name)))
            {
                var curve = TaskCurves.FromNll(c.Nll!, input.Rq2K);
                d[c.Name] = (curve.AccK, curve.NllK);
            }
            obs[t.Task] = d;
        }
        foreach (var ap in new[] { "1", "2" })
        {
            var perTask = new Dictionary<string, List<Rq2Point>>();
            foreach (var t in input.Tasks)
            {
                if (!fits.TryGetValue(t.Task, out var f) || f.Approaches.FirstOrDefault(a => a.Approach == ap) is not { } a) continue;
                var pts = new List<Rq2Point>();
                foreach (var (name, v) in obs[t.Task])
                {
                    var m = meta[name];
                    for (int i = 0; i < input.Rq2K.Length; i++)
                    {
                        double o = a.Metric.Maximize ? v.Acc[i] : v.Nll[i];
                        pts.Add(new Rq2Point(name, m.N, m.D, input.Rq2K[i], o, a.Metric.Evaluate(m.N, m.D, input.Rq2K[i])));
                    }
                }
                perTask[t.Task] = pts;
                rows.Add(Row(t.Task, ap, a.Metric.Name, pts));
            }
            if (perTask.Count >= 2 && fits.TryGetValue(MacroTask.Name, out var macro) && macro.Approaches.Any(x => x.Approach == ap))
            {
                // Macro: mean over tasks of observed and of predicted at each (run, k) every task has.
                var keys = perTask.Values.First().Select(p => (p.Checkpoint, p.K)).ToList();
                var pts = new List<Rq2Point>();
                foreach (var (ck, k) in keys)
                {
                    var each = perTask.Values.Select(l => l.FirstOrDefault(p => p.Checkpoint == ck && p.K == k)).ToList();
                    if (each.Any(p => p is null)) continue;
                    pts.Add(new Rq2Point(ck, each[0]!.N, each[0]!.D, k, each.Average(p => p!.Observed), each.Average(p => p!.Predicted)));
                }
                rows.Add(Row(MacroTask.Name, ap, macro.Approaches.First(x => x.Approach == ap).Metric.Name, pts));
            }
        }
        return rows;
    }

    private static Rq2Row Row(string task, string ap, string metric, List<Rq2Point> pts)
    {
        var rel = pts.Where(p => double.IsFinite(p.Observed) && p.Observed != 0 && double.IsFinite(p.Predicted))
            .Select(p => (p.Predicted - p.Observed) / Math.Abs(p.Observed)).ToList();
        return new Rq2Row(task, ap, metric, rel.Count == 0 ? double.NaN : rel.Average(Math.Abs), rel.Count == 0 ? double.NaN : rel.Average(),
            pts.Select(p => p.Checkpoint).Distinct().Count(), pts);
    }

    private static List<Table1Row> Table1(ValidationInput input, Dictionary<string, RunMeta> meta, List<string> notes)
    {
        var rows = new List<Table1Row>();
        double c = input.CTrain;
        var iso = input.Runs.Where(r => r.Kind == "isoflop" && Math.Abs(r.CTrain / c - 1) < 0.05 && double.IsFinite(r.TrainLoss)).ToList();
        var ot = input.Runs.Where(r => r.Kind == "overtrained" && r.CTrain <= c * 1.05).ToList();
        if (iso.Count == 0 || ot.Count == 0)
        {
            notes.Add($"Table 1: needs isoFLOP runs at C_train = {c:G3} and overtrained runs that cost no more ({iso.Count} and {ot.Count} found).");
            return rows;
        }
        // The loss-optimal run: per seed, the lowest training loss; the first seed's is the one compared (one model, as the paper).
        var chin = iso.OrderBy(r => r.Seed).ThenBy(r => r.TrainLoss).First();
        double K(RunMeta r) => Math.Max(1, input.CInf / (2 * r.N));
        // Retrained copies of a run (same N and D, other seeds), in seed order.
        List<RunMeta> Copies(RunMeta r) => input.Runs.Where(x => x.Kind == "extra" && x.Label == ReplicateLabel(r.Checkpoint)
            && Math.Abs(x.N / r.N - 1) < 1e-9 && Math.Abs(x.D / r.D - 1) < 1e-3).OrderBy(x => x.Seed).ToList();
        Table1Side Side(TaskEvidence t, RunMeta r)
        {
            var lik = t.Likelihood.First(x => x.Name == r.Checkpoint);
            double k = K(r);
            var s = t.Samples?.FirstOrDefault(x => x.Name == r.Checkpoint);
            int kk = (int)Math.Floor(k);
            double? sampled = s is null ? null : PassFromCounts(s, kk);
            double pass = PassFromNll(lik.Nll!, k);
            var seeds = new List<(int, double)> { (r.Seed, pass) };
            foreach (var c in Copies(r))
                if (t.Likelihood.FirstOrDefault(x => x.Name == c.Checkpoint) is { } cl) seeds.Add((c.Seed, PassFromNll(cl.Nll!, k)));
            return new Table1Side(r.Checkpoint, r.N, r.D, k, pass, sampled, sampled is null ? null : kk) { Seeds = seeds.Count > 1 ? seeds : [] };
        }
        var sides = new Dictionary<string, List<(RunMeta Run, Table1Side Side)>>();
        foreach (var t in input.Tasks)
        {
            var ch = Side(t, chin);
            var best = ot.Select(r => (Run: r, Side: Side(t, r))).MaxBy(x => x.Side.PassAtK);
            rows.Add(new Table1Row(t.Task, c, input.CInf, best.Side, ch, best.Side.PassAtK / ch.PassAtK,
                best.Side.SampledPassAtK is { } a && ch.SampledPassAtK is { } b && b > 0 ? a / b + 0.0 : null));   // + 0.0: no "-0" from −expm1(0)
        }
        if (input.Tasks.Count >= 2)
        {
            // Macro: the one overtrained run with the best mean pass@k over tasks, against the loss-optimal run.
            Table1Side Mean(RunMeta r)
            {
                var each = input.Tasks.Select(t => Side(t, r)).ToList();
                bool sampledAll = each.All(x => x.SampledPassAtK is not null);
                // Per seed, the mean over tasks (only seeds every task has).
                var seeds = each[0].Seeds.Select(s => s.Seed).Where(sd => each.All(x => x.Seeds.Any(y => y.Seed == sd)))
                    .Select(sd => (sd, each.Average(x => x.Seeds.First(y => y.Seed == sd).PassAtK))).ToList();
                return new Table1Side(r.Checkpoint, r.N, r.D, K(r), each.Average(x => x.PassAtK), sampledAll ? each.Average(x => x.SampledPassAtK!.Value) : null,
                    sampledAll ? each[0].SampledK : null) { Seeds = seeds.Count > 1 ? seeds : [] };
            }
            var ch = Mean(chin);
            var best = ot.Select(Mean).MaxBy(x => x.PassAtK)!;
            rows.Add(new Table1Row(MacroTask.Name, c, input.CInf, best, ch, best.PassAtK / ch.PassAtK,
                best.SampledPassAtK is { } a && ch.SampledPassAtK is { } b && b > 0 ? a / b + 0.0 : null));
        }
        if (input.Tasks.Any(t => t.Samples is null)) notes.Add("Table 1: the ladder did not sample (eval.sample_n = 0), so only the exact pass@k from likelihood is given.");
        return rows;
    }

    private static List<Rq1Row> Rq1(ValidationInput input, Dictionary<string, RunMeta> meta, Dictionary<string, FittedTask> fits, List<string> notes)
    {
        var rows = new List<Rq1Row>();
        var planned = input.Runs.Where(r => r.Kind == "extra" && r.Label.StartsWith(T2Label, StringComparison.Ordinal)).ToList();
        var chin = input.Runs.Where(r => r.Kind == "extra" && r.Label.StartsWith(ChinchillaLabel, StringComparison.Ordinal)).ToList();
        if (planned.Count == 0 || chin.Count == 0)
            notes.Add("RQ1: no planned runs yet (labels t2opt-* and chinchilla-*): forecasts only.");
        double K(double n) => Math.Max(1, input.CInf / (2 * n));
        foreach (var f in input.Fits)
            foreach (var a in f.Approaches)
            {
                var plan = Planner.Plan(a.Metric, new PlanBudget { CTrain = input.CTrain, CInf = input.CInf }, a.Stage1, a.BaselineN);
                Rq1Side Side(List<RunMeta> runs, PlanPoint p)
                {
                    if (runs.Count == 0) return new Rq1Side(null, p.N, p.D, p.K, p.Predicted, null, []);
                    var r0 = runs[0];
                    double k = K(r0.N);
                    var seeds = runs.OrderBy(r => r.Seed).Select(r => Measure(input, f.Task, r, k, a.Metric.Maximize)).Where(v => v is not null).Select(v => v!.Value).ToList();
                    return new Rq1Side(r0.Label, r0.N, r0.D, k, a.Metric.Evaluate(r0.N, r0.D, k), seeds.Count == 0 ? null : seeds.Average(), seeds);
                }
                rows.Add(new Rq1Row(f.Task, a.Approach, a.Metric.Name, Side(planned, plan.Optimum), Side(chin, plan.Chinchilla),
                    plan.Optimum.N, plan.Chinchilla.N));
            }
        return rows;
    }

    /// <summary>A run's measured metric at k for a task (Acc_k, or NLL_k = mean −log pass@k); the macro is the mean over tasks.</summary>
    private static double? Measure(ValidationInput input, string task, RunMeta r, double k, bool acc)
    {
        var tasks = task == MacroTask.Name ? input.Tasks : input.Tasks.Where(t => t.Task == task).ToList();
        var vals = new List<double>();
        foreach (var t in tasks)
        {
            var c = t.Likelihood.FirstOrDefault(x => x.Name == r.Checkpoint);
            if (c is null) return null;
            // Approach 1's NLL_k from likelihood evidence is the per-question mean of −log pass@k (as the fit's target).
            vals.Add(acc ? PassFromNll(c.Nll!, k) : TaskPassAtK.MeanNegLogFromNll(c.Nll!, k));
        }
        return vals.Count == 0 ? null : vals.Average();
    }
}
