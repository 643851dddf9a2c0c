using T2.Testbed.Training;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using T2.Testbed.World;

namespace T2.Testbed.Ladder;

/// <summary>A transformer shape of the ladder: width, blocks, heads (the vocabulary and context come from the world/spec).</summary>
public sealed record Shape(int DModel, int Layers, int Heads)
{
    public string Name => $"d{DModel}l{Layers}h{Heads}";
}

/// <summary>An overtrained extra: a shape trained far past its loss optimum (the paper's 21 runs; hundreds of tokens per parameter).</summary>
public sealed record OvertrainedRun(Shape Shape, double TokensPerParam);

/// <summary>
/// An extra point taken from a plan (e.g. the T²- and Chinchilla-optimal models): a shape, its tokens, a label, and the seeds
/// to train it with (null: the spec's <see cref="LadderSpec.ExtraSeeds"/>; a retrained ladder run gives seeds of its own).
/// </summary>
public sealed record ExtraRun(string Label, Shape Shape, long Tokens, List<int>? Seeds = null)
{
    // By value, seeds included (a record compares lists by reference: a rerun's spec.json would never equal its own spec).
    public bool Equals(ExtraRun? o) => o is not null && Label == o.Label && Shape == o.Shape && Tokens == o.Tokens
        && (Seeds is null) == (o.Seeds is null) && (Seeds ?? []).SequenceEqual(o.Seeds ?? []);

    public override int GetHashCode() => HashCode.Combine(Label, Shape, Tokens, Seeds?.Count ?? -1);
}

/// <summary>A run on a finite corpus (the data wall): a shape trained on <see cref="Tokens"/> tokens drawn from the world's
/// first documents holding <see cref="UniqueTokens"/> tokens, repeated (issue 12). Kept out of the T² evidence.</summary>
public sealed record RepeatedRun(string Label, Shape Shape, long Tokens, long UniqueTokens);

/// <summary>Settings shared by every run's training (the per-run token budget comes from the ladder point).</summary>
public sealed record LadderTrain
{
    public int Batch { get; set; } = 16;
    public int Sequence { get; set; } = 64;
    public double LearningRate { get; set; } = 4e-3;
    public double WarmupFraction { get; set; } = 0.05;
    public double WeightDecay { get; set; } = 0.1;
    /// <summary>A resumable checkpoint this often (a killed run loses at most this much training).</summary>
    public double CheckpointSeconds { get; set; } = 20;
}

/// <summary>The isoFLOP rule: at each budget C, every shape whose D/N = C/(6N²) lies in [min, max] tokens per parameter.</summary>
public sealed record IsoFlopRule
{
    public double MinTokensPerParam { get; set; } = 2;
    public double MaxTokensPerParam { get; set; } = 120;
    public int MinSizes { get; set; } = 5;
}

/// <summary>Evaluation of each finished run: answer likelihood always; sampling with n and temperature when n &gt; 0.</summary>
public sealed record LadderEval
{
    public int SampleN { get; init; }
    public double Temperature { get; set; } = 1.0;
    public int SampleSeed { get; set; } = 0;
}

/// <summary>
/// A ladder: training budgets with an isoFLOP spread of shapes around each one's optimum, overtrained extras, extra points
/// from a plan, the world's difficulty dials, evaluation and seeds. JSON with snake_case fields (see docs/testbed-and-ladder.md, "Ladder spec").
/// </summary>
/// <summary>Post-training of every checkpoint (issue 11; the paper's RQ3): the same settings and steps for each.</summary>
public sealed record LadderFinetune
{
    public int Epochs { get; set; } = 6;
    public double LearningRate { get; set; } = 2e-4;
    public int Batch { get; set; } = 8;
    public int TrainQuestions { get; set; } = 200;
    public int Seed { get; set; } = 1;
}

public sealed record LadderSpec
{
    public string Name { get; set; } = "custom";
    public int WorldSeed { get; init; }
    public WorldOptions World { get; set; } = new();
    public LadderTrain Train { get; set; } = new();
    public List<Shape> Shapes { get; set; } = [];
    public List<double> Budgets { get; set; } = [];
    public IsoFlopRule Isoflop { get; set; } = new();
    public List<OvertrainedRun> Overtrained { get; set; } = [];
    public List<ExtraRun> Extra { get; set; } = [];
    /// <summary>Runs on repeated data, for the data-wall law (DIR/evidence-repeated.csv; every seed of <see cref="Seeds"/>).</summary>
    public List<RepeatedRun> Repeated { get; set; } = [];
    public LadderEval Eval { get; set; } = new();
    public List<int> Seeds { get; set; } = [1];
    /// <summary>Seeds of the extra (planned) points: RQ1 needs the seed spread of the models it confirms.</summary>
    public List<int> ExtraSeeds { get; set; } = [1, 2];
    /// <summary>Runs trained side by side (0: chosen from the core count).</summary>
    public int Parallel { get; init; }
    /// <summary>Post-training variants to make of every checkpoint: "ft", "sft" (none by default).</summary>
    public List<string> PostTrain { get; set; } = [];
    public LadderFinetune Finetune { get; set; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = T2.Testbed.IO.TestbedJson.Default,
    };

    public string ToJson() => JsonSerializer.Serialize(this, T2.IO.JsonTypes.Of<LadderSpec>(Json));

    /// <summary>Reads a spec file; a missing field takes its default (a spec written before a dial existed reads as the
    /// world it was written for), a malformed, unknown or out-of-range one is a <see cref="LadderSpecException"/> naming it.</summary>
    public static LadderSpec Load(string path)
    {
        string text;
        try { text = T2.IO.StrictText.ReadAll(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not T2.IO.NotUtf8Exception)
        { throw new LadderSpecException(path, "", Directory.Exists(path) ? "is a directory, not a spec file" : $"cannot be read ({e.Message})"); }
        return Parse(text, path);
    }

    public static LadderSpec Parse(string text, string source)
    {
        LadderSpec? spec;
        try { spec = JsonSerializer.Deserialize(text, T2.IO.JsonTypes.Of<LadderSpec>(Json)); }
        catch (JsonException e)
        {
            var (where, why) = T2.IO.JsonErrors.Describe(e);
            throw new LadderSpecException(source, where, $"{why}{(e.LineNumber is { } l ? $" (line {l + 1})" : "")}");
        }
        if (spec is null) throw new LadderSpecException(source, "", "empty spec");
        spec.Validate(source);
        return spec;
    }

    /// <summary>Every check that can be made before training starts; the first failure names its field.</summary>
    /// <summary>The post-training settings of one variant.</summary>
    public FinetuneOptions FinetuneOptions(PostTrainMode mode) => new()
    {
        Mode = mode, Epochs = Finetune.Epochs, LearningRate = Finetune.LearningRate, Batch = Finetune.Batch,
        TrainQuestions = Finetune.TrainQuestions, Seed = Finetune.Seed, CheckpointSeconds = Train.CheckpointSeconds,
    };

    public void Validate(string source)
    {
        void Fail(string field, string msg) => throw new LadderSpecException(source, field, msg);
        if (World is null) Fail("world", "missing");
        if (World!.Problem() is { } wp) Fail("world." + wp.Split(':')[0], wp[(wp.IndexOf(':') + 2)..]);
        if (Train is null) Fail("train", "missing");
        if (Train!.Batch < 1 || Train.Batch > 4096) Fail("train.batch", $"{Train.Batch} must lie in [1, 4096]");
        if (Train.Sequence < 8 || Train.Sequence > 4096) Fail("train.sequence", $"{Train.Sequence} must lie in [8, 4096]");
        if (!(Train.LearningRate > 0 && Train.LearningRate < 1)) Fail("train.learning_rate", $"{Train.LearningRate} must lie in (0, 1)");
        if (!(Train.WarmupFraction >= 0 && Train.WarmupFraction < 1)) Fail("train.warmup_fraction", $"{Train.WarmupFraction} must lie in [0, 1)");
        if (!(Train.WeightDecay >= 0 && Train.WeightDecay < 10)) Fail("train.weight_decay", $"{Train.WeightDecay} must lie in [0, 10)");
        if (!(Train.CheckpointSeconds >= 0)) Fail("train.checkpoint_seconds", $"{Train.CheckpointSeconds} must be ≥ 0");
        if (Shapes is null || Shapes.Count == 0) Fail("shapes", "at least one shape is needed");
        for (int i = 0; i < Shapes!.Count; i++) CheckShape(Shapes[i], $"shapes[{i}]", Fail);
        if (Shapes.Select(s => s.Name).Distinct().Count() != Shapes.Count) Fail("shapes", "a shape is listed twice");
        if (Budgets is null || Budgets.Count == 0) Fail("budgets", "at least one training budget (FLOPs) is needed");
        for (int i = 0; i < Budgets!.Count; i++)
            if (!(Budgets[i] >= 1e6 && Budgets[i] <= 1e18)) Fail($"budgets[{i}]", $"{Budgets[i]} FLOPs must lie in [1e6, 1e18] (a CPU testbed)");
        if (Budgets.Distinct().Count() != Budgets.Count) Fail("budgets", "a budget is listed twice");
        if (Isoflop is null) Fail("isoflop", "missing");
        if (!(Isoflop!.MinTokensPerParam > 0 && Isoflop.MaxTokensPerParam > Isoflop.MinTokensPerParam))
            Fail("isoflop.min_tokens_per_param", "need 0 < min_tokens_per_param < max_tokens_per_param");
        if (Isoflop.MinSizes < 1) Fail("isoflop.min_sizes", $"{Isoflop.MinSizes} must be ≥ 1");
        for (int i = 0; i < (Overtrained?.Count ?? 0); i++)
        {
            CheckShape(Overtrained![i].Shape, $"overtrained[{i}].shape", Fail);
            if (!(Overtrained[i].TokensPerParam >= 1 && Overtrained[i].TokensPerParam <= 1e5)) Fail($"overtrained[{i}].tokens_per_param", $"{Overtrained[i].TokensPerParam} must lie in [1, 1e5]");
        }
        for (int i = 0; i < (Extra?.Count ?? 0); i++)
        {
            var x = Extra![i];
            if (string.IsNullOrWhiteSpace(x.Label) || x.Label.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                Fail($"extra[{i}].label", "letters, digits, '-' and '_' only");
            CheckShape(x.Shape, $"extra[{i}].shape", Fail);
            if (x.Tokens < 1 || x.Tokens > 1e12) Fail($"extra[{i}].tokens", $"{x.Tokens} must lie in [1, 1e12]");
            if (x.Seeds is { } xs && (xs.Count == 0 || xs.Distinct().Count() != xs.Count))
                Fail($"extra[{i}].seeds", xs.Count == 0 ? "at least one seed is needed (or leave it out: extra_seeds)" : "a seed is listed twice");
        }
        for (int i = 0; i < (Repeated?.Count ?? 0); i++)
        {
            var x = Repeated![i];
            if (string.IsNullOrWhiteSpace(x.Label) || x.Label.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                Fail($"repeated[{i}].label", "letters, digits, '-' and '_' only");
            CheckShape(x.Shape, $"repeated[{i}].shape", Fail);
            if (x.Tokens < 1 || x.Tokens > 1e12) Fail($"repeated[{i}].tokens", $"{x.Tokens} must lie in [1, 1e12]");
            if (x.UniqueTokens < 1 || x.UniqueTokens > x.Tokens) Fail($"repeated[{i}].unique_tokens", $"{x.UniqueTokens} must lie in [1, tokens = {x.Tokens}]");
        }
        if (Repeated is not null && Repeated.Select(x => (x.Label, x.Shape?.Name)).Distinct().Count() != Repeated.Count) Fail("repeated", "a (label, shape) pair is listed twice");
        if (Eval is null) Fail("eval", "missing");
        if (Eval!.SampleN < 0 || Eval.SampleN > 100_000) Fail("eval.sample_n", $"{Eval.SampleN} must lie in [0, 100000]");
        if (!(Eval.Temperature >= 0 && Eval.Temperature <= 10)) Fail("eval.temperature", $"{Eval.Temperature} must lie in [0, 10]");
        if (Seeds is null || Seeds.Count == 0) Fail("seeds", "at least one seed is needed");
        if (Seeds!.Distinct().Count() != Seeds!.Count) Fail("seeds", "a seed is listed twice");
        if (ExtraSeeds is null || ExtraSeeds.Count == 0) Fail("extra_seeds", "at least one seed is needed");
        if (ExtraSeeds!.Distinct().Count() != ExtraSeeds!.Count) Fail("extra_seeds", "a seed is listed twice");
        if (Parallel < 0 || Parallel > 64) Fail("parallel", $"{Parallel} must lie in [0, 64]");
        if (PostTrain is null) Fail("post_train", "missing");
        for (int i = 0; i < PostTrain!.Count; i++)
            if (PostTrain[i] is not ("ft" or "sft")) Fail($"post_train[{i}]", $"'{PostTrain[i]}' is not ft or sft");
        if (PostTrain.Distinct().Count() != PostTrain.Count) Fail("post_train", "a variant is listed twice");
        if (Finetune is null) Fail("finetune", "missing");
        if (FinetuneOptions(PostTrainMode.Ft).Problem() is { } fp) Fail("finetune." + fp.Split(' ')[0].Replace("-", "_"), fp);
        var world = new SyntheticWorld(WorldSeed, World);
        int longest = world.Questions().Max(q => world.Tokenizer.Encode(q.Prompt).Length + world.Tokenizer.Encode(q.Answer).Length);
        if (longest > Train.Sequence) Fail("train.sequence", $"{Train.Sequence} is shorter than the longest question ({longest} tokens)");
        // Each budget needs its isoFLOP spread; a budget that admits too few shapes is a spec error, not a thin ladder.
        var plan = LadderPlan.Expand(this);
        foreach (var b in Budgets)
        {
            int n = plan.Runs.Count(r => r.Kind == RunKind.IsoFlop && r.Budget == b && r.Seed == Seeds[0]);
            if (n < Isoflop.MinSizes)
                Fail("budgets", $"budget {b:0.###e0} admits {n} shape(s) with D/N in [{Isoflop.MinTokensPerParam}, {Isoflop.MaxTokensPerParam}]; isoflop.min_sizes is {Isoflop.MinSizes}");
        }
    }

    private static void CheckShape(Shape? s, string field, Action<string, string> fail)
    {
        if (s is null) { fail(field, "missing"); return; }
        if (s.DModel < 4 || s.DModel > 2048) fail(field + ".d_model", $"{s.DModel} must lie in [4, 2048]");
        if (s.Layers < 1 || s.Layers > 48) fail(field + ".layers", $"{s.Layers} must lie in [1, 48]");
        if (s.Heads < 1 || s.DModel % s.Heads != 0) fail(field + ".heads", $"{s.Heads} must be ≥ 1 and divide d_model {s.DModel}");
    }

    /// <summary>The spec with extra runs appended (from a plan), re-validated.</summary>
    public LadderSpec WithExtra(IEnumerable<ExtraRun> extra, string source)
    {
        var s = this with { Extra = [.. Extra, .. extra] };
        s.Validate(source);
        return s;
    }

    public static JsonNode Node(LadderSpec s) => JsonSerializer.SerializeToNode(s, T2.IO.JsonTypes.Of<LadderSpec>(Json))!;
}

/// <summary>A spec that cannot be run: the file, the field (JSON path, snake_case) and why.</summary>
public sealed class LadderSpecException(string source, string field, string problem)
    : Exception($"{source}: {(field.Length > 0 ? field + ": " : "")}{problem}.")
{
    public string SpecFile { get; } = source;
    public string Field { get; } = field;
}
