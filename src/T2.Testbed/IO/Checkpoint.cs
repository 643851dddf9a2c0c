using System.Text.Json;
using System.Text.Json.Serialization;
using T2.Testbed.Model;
using T2.Testbed.Training;
using T2.Testbed.World;

namespace T2.Testbed.IO;

/// <summary>Everything a checkpoint's config.json records: shape, world (hence tokenizer), training settings and progress.</summary>
public sealed record CheckpointInfo
{
    public const string FormatName = "t2-testbed";
    public const int CurrentVersion = 1;

    public string Format { get; set; } = FormatName;
    public int Version { get; set; } = CurrentVersion;
    public required ModelConfig Model { get; init; }
    public required int WorldSeed { get; init; }
    public required WorldOptions World { get; init; }
    public required TrainOptions Train { get; init; }
    public required string[] Vocabulary { get; init; }
    public long ParamsTotal { get; init; }
    public long ParamsNonEmbedding { get; init; }
    public int Step { get; init; }
    public int TotalSteps { get; init; }
    public long TokensSeen { get; init; }
    public long StreamDocument { get; init; }
    public int StreamOffset { get; init; }
    public bool Finished { get; init; }
    public double FinalLoss { get; set; } = double.NaN;
    public List<double[]> LossHistory { get; set; } = [];
    /// <summary>Null for a pretrained (base) checkpoint; for a fine-tuned one, where it came from and how it was made.
    /// Model, world, vocabulary, Train and TokensSeen stay the base's: D in the evidence is pretraining tokens.</summary>
    public T2.Testbed.Training.PostTraining? PostTraining { get; init; }
}

/// <summary>
/// A checkpoint directory: config.json + model.safetensors (+ optimizer.safetensors while training). Writes go to temporary
/// files renamed into place, config.json last, so a run killed at any moment leaves the previous complete checkpoint.
/// </summary>
public static class Checkpoint
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = TestbedJson.Default,
    };

    public static string ConfigPath(string dir) => Path.Combine(dir, "config.json");

    public static bool Exists(string dir) => File.Exists(ConfigPath(dir));

    public static void Save(string dir, CheckpointInfo info, Gpt<float> model, AdamW? optimizer)
    {
        Directory.CreateDirectory(dir);
        var meta = new Dictionary<string, string> { ["format"] = CheckpointInfo.FormatName, ["version"] = CheckpointInfo.CurrentVersion.ToString() };
        Safetensors.Write(Path.Combine(dir, "model.safetensors"),
            model.Layout.Tensors.Select(t => new Safetensors.Entry(t.Name, t.Shape, model.Params.AsSpan(t.Offset, t.Length).ToArray())), meta);
        if (optimizer is not null)
            Safetensors.Write(Path.Combine(dir, "optimizer.safetensors"),
                [new("adam_m", [optimizer.M.Length], optimizer.M), new("adam_v", [optimizer.V.Length], optimizer.V)], meta);
        T2.IO.AtomicFile.WriteAllText(ConfigPath(dir),
            JsonSerializer.Serialize(info, T2.IO.JsonTypes.Of<CheckpointInfo>(Json)));
    }

    public static CheckpointInfo LoadInfo(string dir)
    {
        var path = ConfigPath(dir);
        if (!File.Exists(path)) throw new CheckpointException($"{dir}: no config.json (not a t2 testbed checkpoint).");
        CheckpointInfo? info;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{path}: the config must be a JSON object.");
            string format = root.TryGetProperty("format", out var f) ? f.ValueKind == JsonValueKind.String ? f.GetString()! : f.GetRawText() : "";
            int version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int vi) ? vi : -1;
            if (format != CheckpointInfo.FormatName) throw new CheckpointException($"{path}: format '{format}' is not '{CheckpointInfo.FormatName}'.");
            if (version != CheckpointInfo.CurrentVersion) throw new CheckpointException($"{path}: checkpoint version {version}; this t2 reads version {CheckpointInfo.CurrentVersion}.");
            info = JsonSerializer.Deserialize(root.GetRawText(), T2.IO.JsonTypes.Of<CheckpointInfo>(Json));
        }
        catch (JsonException e)
        {
            var (field, why) = T2.IO.JsonErrors.Describe(e);
            throw new CheckpointException($"{path}{(e.LineNumber is { } l ? $":{l + 1}" : "")}: malformed config ({(field.Length > 0 ? $"field '{field}': " : "")}{why}).");
        }
        if (info is null) throw new CheckpointException($"{path}: empty config.");
        try { info.Model.Validate(); } catch (ArgumentException e) { throw new CheckpointException($"{path}: {e.Message}"); }
        return info;
    }

    /// <summary>Loads the model (and, when present and wanted, the optimiser state), checking every tensor's name and shape.</summary>
    public static (CheckpointInfo Info, Gpt<float> Model, AdamW? Optimizer) Load(string dir, bool withOptimizer)
    {
        var info = LoadInfo(dir);
        var model = new Gpt<float>(info.Model);
        var tensors = Safetensors.Read(Path.Combine(dir, "model.safetensors"));
        foreach (var t in model.Layout.Tensors)
        {
            if (!tensors.TryGetValue(t.Name, out var e)) throw new CheckpointException($"{dir}/model.safetensors: tensor '{t.Name}' is missing.");
            if (!e.Shape.SequenceEqual(t.Shape)) throw new CheckpointException($"{dir}/model.safetensors: tensor '{t.Name}' has shape [{string.Join(", ", e.Shape)}], expected [{string.Join(", ", t.Shape)}].");
            e.Data.CopyTo(model.Params.AsSpan(t.Offset, t.Length));
        }
        AdamW? opt = null;
        if (withOptimizer && File.Exists(Path.Combine(dir, "optimizer.safetensors")))
        {
            var o = Safetensors.Read(Path.Combine(dir, "optimizer.safetensors"));
            opt = Trainer.NewOptimizer(model, info.Train);
            if (!o.TryGetValue("adam_m", out var m) || !o.TryGetValue("adam_v", out var v) || m.Data.Length != opt.M.Length || v.Data.Length != opt.V.Length)
                throw new CheckpointException($"{dir}/optimizer.safetensors: moments missing or of the wrong size.");
            m.Data.CopyTo(opt.M, 0); v.Data.CopyTo(opt.V, 0);
        }
        return (info, model, opt);
    }
}
