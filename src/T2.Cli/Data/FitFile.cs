using System.Text.Json.Nodes;
using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;
using static T2.Cli.Data.FitDocs;

namespace T2.Cli.Data;

/// <summary>
/// The versioned T² fit file written by <c>t2 fit t2</c> and read by <c>plan</c>, <c>predict</c> and <c>frontier</c>
/// (schema 2, kind "t2"): per task and approach the parameters in full precision with bootstrap intervals and every
/// replicate, diagnostics, the range of the points the fit used, health findings, the valley of indistinguishable optima
/// and cross-validation; the data's SHA-256 and counts; the options record the fit ran with.
/// </summary>
public static class FitFile
{
    public sealed record Doc(int Schema, string Kind, string Tool, string Created, DataInfo Data, JsonObject Options, List<TaskDoc> Tasks)
    {
        /// <summary>The macro average's fitted-vs-observed (two or more tasks); recomputed from the tasks, kept for readers.</summary>
        public MacroFitDoc? Macro { get; init; }
        /// <summary>The post-training variant the evidence rows were (base, ft, sft, …; null: the evidence had no variant column).</summary>
        public string? Variant { get; init; }
        /// <summary>Tokens each checkpoint saw in post-training (mean over checkpoints; the evidence's post_tokens column), for
        /// <c>--count-post-training</c>; null when the evidence does not say.</summary>
        public double? PostTrainingTokens { get; init; }
        /// <summary>The other variants of the same evidence, each a complete fit of its own (null: one variant).</summary>
        public List<Doc>? Variants { get; init; }
    }
    public sealed record MacroPointDoc(string Checkpoint, double N, double D, double K, double Observed, double Predicted);
    public sealed record MacroApproachDoc(string Approach, string Metric, double MeanRelativeError, double MeanSignedRelativeError, List<MacroPointDoc> Points);
    public sealed record MacroFitDoc(List<string> Tasks, string Definition, List<MacroApproachDoc> Approaches);
    /// <summary>The evidence a fit read. <c>CheckpointsByKind</c>: distinct checkpoints per run kind when the evidence has a
    /// <c>kind</c> column (null otherwise, and in files written before it existed).</summary>
    public sealed record DataInfo(string File, string Sha256, int Rows, int Checkpoints, string NColumn, string DColumn,
        SortedDictionary<string, int>? CheckpointsByKind = null);
    /// <summary>The law re-fitted with <c>Parameter</c>'s bound released (ForecastSensitivity): Approach 1 as its law vector, Approach 2
    /// as its five θ (the stage-1 law is the fit's).</summary>
    public sealed record ReleasedDoc(string Parameter, double[] Vector);
    /// <summary><c>Released</c>: null in files written before bounds were released (plans then keep the fit's grading).</summary>
    public sealed record A1Doc(Dictionary<string, double> Params, Dictionary<string, IntervalDoc>? Intervals, DiagnosticsDoc Diagnostics, RangeDoc Range,
        List<FindingDoc> Health, int DroppedObservations, BootstrapDoc? Bootstrap, List<double[]> Valley, List<ReleasedDoc>? Released = null);
    public sealed record Stage1Doc(Dictionary<string, double> Params, string Method, double Objective, double[] ProfileE, double[] ProfileObjective,
        DiagnosticsDoc Diagnostics);
    public sealed record A2Doc(Stage1Doc Stage1, Dictionary<string, double> Theta, Dictionary<string, IntervalDoc>? Intervals, DiagnosticsDoc Diagnostics,
        RangeDoc Range, List<FindingDoc> Health, BootstrapDoc? Bootstrap, List<double[]> Valley, List<ReleasedDoc>? Released = null);
    public sealed record CheckpointDoc(string Name, double N, double D, double[] AccK, double[] NllK, double BetaA, double BetaB, double BetaMaxAccGap, double BetaGapAtK);
    public sealed record CvPair(CvDoc? Approach1, CvDoc? Approach2);
    public sealed record TaskDoc(string Task, string Evidence, string Target, double[] KGrid, RangeDoc Range, List<FindingDoc> Health,
        A1Doc? Approach1, A2Doc? Approach2, List<CheckpointDoc> Checkpoints)
    {
        public CvPair? Cv { get; init; }
    }

    public const string MacroDefinition = "mean over tasks of each task's own prediction (and of each task's observation), at checkpoints every task has";

    /// <summary>The macro check of a fit file's tasks (null with fewer than two).</summary>
    public static MacroFitDoc? MacroDoc(Doc doc)
    {
        var fitted = doc.Tasks.Select(Fitted).ToList();
        if (MacroTask.Of(fitted) is not { } macro) return null;
        var observed = doc.Tasks.SelectMany(t => t.Checkpoints.Select(c => new ObservedCurve(t.Task, c.Name, c.N, c.D, t.KGrid, c.AccK, c.NllK))).ToList();
        var checks = MacroCheck.Compare(macro, observed);
        return new MacroFitDoc(doc.Tasks.Select(t => t.Task).ToList(), MacroDefinition, checks.Select(c => new MacroApproachDoc(c.Approach, c.Metric,
            c.MeanRelativeError, c.MeanSignedRelativeError, c.Points.Select(p => new MacroPointDoc(p.Checkpoint, p.N, p.D, p.K, p.Observed, p.Predicted)).ToList())).ToList());
    }

    public static double[] A1Vector(Approach1Law l) => [l.E, l.A, l.B, l.Alpha, l.Beta, l.G, l.Gamma];
    public static Approach1Law A1Law(double[] v) => new(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    public static double[] A2Vector(Approach2Law l) => [l.Loss.E, l.Loss.A, l.Loss.B, l.Loss.Alpha, l.Loss.Beta, l.Theta0, l.Theta1, l.Theta2, l.Theta3, l.Theta4];
    public static Approach2Law A2Law(double[] v) => new(new ChinchillaLaw(v[0], v[1], v[2], v[3], v[4]), v[5], v[6], v[7], v[8], v[9]);
    public static readonly string[] A1Names = ["E", "A", "B", "alpha", "beta", "G", "gamma"];
    public static readonly string[] A2Names = ["E", "A", "B", "alpha", "beta", "theta0", "theta1", "theta2", "theta3", "theta4"];

    public static TaskDoc ToDoc(T2TaskFitResult r, double level, (CvResult?, CvResult?)? cv = null)
    {
        A1Doc? a1 = null; A2Doc? a2 = null;
        if (r.Approach1 is { } f1)
        {
            var v = A1Vector(f1.Law);
            var reps = r.Approach1Boot?.Laws.Select(A1Vector).ToList() ?? [];
            a1 = new A1Doc(Named(A1Names, v), Intervals(A1Names, v, reps, level), FitDocs.ToDoc(f1.Diagnostics, f1.Objective, f1.Observations),
                FitDocs.ToDoc(f1.Range), ToDocs(f1.Health), r.Approach1Dropped, Boot(r.Approach1Boot, reps, level),
                f1.Diagnostics.Valley.Select(x => A1Vector(Approach1Fit.ToLaw(x))).ToList(),
                f1.Released.Select(r => new ReleasedDoc(r.Parameter, A1Vector(Approach1Fit.ToLaw(r.X)))).ToList());
        }
        if (r.Approach2 is { } f2)
        {
            var s1 = f2.Stage1;
            var v = A2Vector(f2.Law);
            var reps = r.Approach2Boot?.Laws.Select(A2Vector).ToList() ?? [];
            a2 = new A2Doc(new Stage1Doc(Named(A2Names[..5], v[..5]), s1.Method, s1.Objective, s1.ProfileE, s1.ProfileObjective,
                    FitDocs.ToDoc(s1.Diagnostics, s1.Objective, s1.Weights.Length)),
                Named(A2Names[5..], v[5..]), Intervals(A2Names, v, reps, level), FitDocs.ToDoc(f2.Diagnostics, f2.Objective, f2.Observations),
                FitDocs.ToDoc(r.Approach2Range!), ToDocs(f2.Health), Boot(r.Approach2Boot, reps, level), f2.Diagnostics.Valley.Select(x => x.ToArray()).ToList(),
                f2.Released.Select(r => new ReleasedDoc(r.Parameter, r.X.ToArray())).ToList());
        }
        return new TaskDoc(r.Task, r.EvidenceKind, r.Target, r.KGrid, FitDocs.ToDoc(r.Range), ToDocs(r.Health), a1, a2,
            r.Checkpoints.Select(c => new CheckpointDoc(c.Name, c.N, c.D, c.AccK, c.NllK, c.Beta.A, c.Beta.B, c.Beta.MaxAccGap, c.Beta.GapAtK)).ToList())
        {
            Cv = cv is { } p ? new CvPair(FitDocs.ToDoc(p.Item1), FitDocs.ToDoc(p.Item2)) : null,
        };
    }

    private static BootstrapDoc? Boot<T>(ReplicateSet<T>? set, List<double[]> reps, double level) =>
        set is null ? null : new BootstrapDoc(set.Requested, reps.Count, null, level, reps, ToDocs(set.Health));

    /// <summary>The planner's view of a task of the file (laws, ranges, health, replicates, valley).</summary>
    public static FittedTask Fitted(TaskDoc t)
    {
        var a1 = A1(t); var a2Law = A2(t);
        return FittedTasks.From(t.Task,
            a1, t.Approach1 is null ? null : FromDoc(t.Approach1.Range),
            t.Approach1 is null ? null : [.. FromDocs(t.Approach1.Health), .. FromDocs(t.Approach1.Bootstrap?.Health)],
            t.Approach1?.Bootstrap?.Replicates.Select(A1Law).ToList(), t.Approach1?.Valley.Select(A1Law).ToList(),
            a2Law, t.Approach2 is null ? null : FromDoc(t.Approach2.Range),
            t.Approach2 is null ? null : [.. FromDocs(t.Approach2.Health), .. FromDocs(t.Approach2.Bootstrap?.Health)],
            t.Approach2?.Bootstrap?.Replicates.Select(A2Law).ToList(),
            a2Law is null ? null : t.Approach2!.Valley.Select(v => WithTheta(a2Law, v)).ToList(),
            FromDocs(t.Health),
            t.Approach1?.Released?.Select(r => (r.Parameter, A1Law(r.Vector))).ToList(),
            a2Law is null ? null : t.Approach2!.Released?.Select(r => (r.Parameter, WithTheta(a2Law, r.Vector))).ToList());
    }

    private static Approach2Law WithTheta(Approach2Law l, double[] v) =>
        l with { Theta0 = v[0], Theta1 = v[1], Theta2 = v[2], Theta3 = v[3], Theta4 = v[4] };

    public static Approach1Law? A1(TaskDoc t) => t.Approach1 is null ? null : A1Law(A1Names.Select(n => t.Approach1.Params[n]).ToArray());
    public static Approach2Law? A2(TaskDoc t) => t.Approach2 is null ? null
        : A2Law([.. A2Names[..5].Select(n => t.Approach2.Stage1.Params[n]), .. A2Names[5..].Select(n => t.Approach2.Theta[n])]);

    public static void Write(string path, Doc doc) => FitFileIo.Write(path, doc);

    public static Doc Read(string path)
    {
        if (FitFileIo.Kind(path) != "t2") throw new InputException(path, 0, "kind", "a loss-law fit file; this verb needs a T² fit file from 't2 fit t2' (or use it with the loss-law form of the verb).");
        var doc = FitFileIo.Read<Doc>(path);
        Validate(path, doc);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < (doc.Variants?.Count ?? 0); i++)
        {
            var v = doc.Variants![i];
            if (v is null || string.IsNullOrEmpty(v.Variant)) throw new InputException(path, 0, $"variants[{i}].variant", "missing variant name.");
            if (v.Variants is { Count: > 0 }) throw new InputException(path, 0, $"variants[{i}].variants", "variants do not nest.");
            Validate(path, v, $"variants[{i}].");
        }
        foreach (var d in VariantDocs(doc))
            if (!seen.Add(d.Variant ?? "base")) throw new InputException(path, 0, "variants", $"variant '{d.Variant ?? "base"}' appears twice.");
        return doc;
    }

    /// <summary>Every variant's fit, the file's own first (one entry when the evidence had one variant).</summary>
    public static List<Doc> VariantDocs(Doc doc) => [doc with { Variants = null }, .. doc.Variants ?? []];

    /// <summary>The variants a verb was asked for: <paramref name="variant"/> alone, or every one side by side (null).</summary>
    public static List<Doc> SelectVariants(Doc doc, string? variant, string path)
    {
        var all = VariantDocs(doc);
        if (variant is null) return all;
        var one = all.Where(d => (d.Variant ?? "base") == variant).ToList();
        if (one.Count == 0)
            throw new InputException(path, 0, "variant", $"no variant '{variant}' in the fit file (variants: {string.Join(", ", all.Select(d => d.Variant ?? "base"))}).");
        return one;
    }

    /// <summary>Every field the planner relies on, checked with its JSON path (a hand-edited or truncated file gets one located line).</summary>
    public static void Validate(string path, Doc doc, string prefix = "")
    {
        if (doc.Tasks is null || doc.Tasks.Count == 0) throw new InputException(path, 0, prefix + "tasks", "the fit file has no tasks.");
        if (doc.PostTrainingTokens is { } pt && (!double.IsFinite(pt) || pt < 0))
            throw new InputException(path, 0, prefix + "post_training_tokens", $"{pt} must be finite and ≥ 0.");
        for (int i = 0; i < doc.Tasks.Count; i++)
        {
            var t = doc.Tasks[i];
            string at = $"{prefix}tasks[{i}]";
            if (string.IsNullOrEmpty(t.Task)) throw new InputException(path, 0, $"{at}.task", "missing task name.");
            if (t.Approach1 is null && t.Approach2 is null) throw new InputException(path, 0, at, $"task '{t.Task}' has neither approach1 nor approach2.");
            if (t.KGrid is null || t.KGrid.Length == 0) throw new InputException(path, 0, $"{at}.k_grid", "missing.");
            if (t.Approach1 is { } a1)
            {
                LawChecks.Params(path, $"{at}.approach1.params", a1.Params, A1Names, ["alpha", "beta", "gamma"]);
                LawChecks.Range(path, $"{at}.approach1.range", a1.Range);
                LawChecks.Vectors(path, $"{at}.approach1.bootstrap.replicates", a1.Bootstrap?.Replicates, A1Names.Length);
                LawChecks.Vectors(path, $"{at}.approach1.valley", a1.Valley, A1Names.Length);
                LawChecks.Vectors(path, $"{at}.approach1.released", a1.Released?.Select(r => r?.Vector!).ToList(), A1Names.Length);
            }
            if (t.Approach2 is { } a2)
            {
                if (a2.Stage1 is null) throw new InputException(path, 0, $"{at}.approach2.stage1", "missing.");
                LawChecks.Params(path, $"{at}.approach2.stage1.params", a2.Stage1.Params, A2Names[..5], ["alpha", "beta"]);
                LawChecks.Params(path, $"{at}.approach2.theta", a2.Theta, A2Names[5..], []);
                LawChecks.Range(path, $"{at}.approach2.range", a2.Range);
                LawChecks.Vectors(path, $"{at}.approach2.bootstrap.replicates", a2.Bootstrap?.Replicates, A2Names.Length);
                LawChecks.Vectors(path, $"{at}.approach2.valley", a2.Valley, 5);
                LawChecks.Vectors(path, $"{at}.approach2.released", a2.Released?.Select(r => r?.Vector!).ToList(), 5);
            }
        }
    }
}

/// <summary>Checks of law parameters and ranges read from a fit file.</summary>
public static class LawChecks
{
    public static void Params(string path, string at, Dictionary<string, double>? p, string[] names, string[] exponents)
    {
        if (p is null) throw new InputException(path, 0, at, "missing.");
        foreach (var n in names)
        {
            if (!p.TryGetValue(n, out var v)) throw new InputException(path, 0, $"{at}.{n}", "missing parameter.");
            if (!double.IsFinite(v)) throw new InputException(path, 0, $"{at}.{n}", $"{v} is not a finite number.");
            if (exponents.Contains(n) && (v < 0 || v > Limits.MaxExponent))
                throw new InputException(path, 0, $"{at}.{n}", $"exponent {v:G4} outside [0, {Limits.MaxExponent:G}].");
            if (n is "E" or "A" or "B" or "G" && v < 0) throw new InputException(path, 0, $"{at}.{n}", $"coefficient {v:G4} must be ≥ 0.");
        }
    }

    public static void Range(string path, string at, FitDocs.RangeDoc? r)
    {
        if (r is null) throw new InputException(path, 0, at, "missing.");
        foreach (var (n, v) in new[] { ("n_min", r.NMin), ("n_max", r.NMax), ("d_min", r.DMin), ("d_max", r.DMax), ("k_min", r.KMin), ("k_max", r.KMax) })
            if (!double.IsFinite(v) || !(v > 0)) throw new InputException(path, 0, $"{at}.{n}", $"{v} must be finite and > 0.");
        if (r.NMin > r.NMax || r.DMin > r.DMax || r.KMin > r.KMax) throw new InputException(path, 0, at, "a minimum exceeds its maximum.");
    }

    public static void Vectors(string path, string at, List<double[]>? v, int length)
    {
        if (v is null) return;
        for (int i = 0; i < v.Count; i++)
        {
            if (v[i] is null || v[i].Length != length) throw new InputException(path, 0, $"{at}[{i}]", $"expected {length} numbers.");
            if (v[i].Any(x => !double.IsFinite(x))) throw new InputException(path, 0, $"{at}[{i}]", "non-finite value.");
        }
    }
}
