using System.Text.Json;
using T2.Core.Fitting;
using T2.Core.Laws;

namespace T2.Cli.Data;

/// <summary>
/// The data-wall fit file from <c>t2 fit data-wall</c> (kind "data_wall"): per task, the base law it held fixed, both
/// forms of the wall (Muennighoff's R*_D, R*_N; the penalty's λ) with in-sample, leave-one-out and held-out errors, and
/// health. <c>plan --unique-tokens U --data-wall FILE</c> reads the laws back.
/// </summary>
public static class DataWallFile
{
    public const int Schema = 1;

    public sealed record PredictionDoc(string Run, double Epochs, double Observed, double Predicted, double RelativeError);
    public sealed record FormDoc(Dictionary<string, double> Params, double RmsLogResidual, double MeanAbsRelativeError, double? LeaveOneOutMeanAbsRelativeError,
        PredictionDoc? HeldOut, List<PredictionDoc> InSample, List<PredictionDoc> LeaveOneOut);
    public sealed record RunDoc(string Run, double N, double D, double UniqueTokens, double Epochs, double Loss, double? UnlimitedDataLoss);
    public sealed record TaskDoc(string Task, Dictionary<string, double> Base, List<RunDoc> Runs, FormDoc Muennighoff, FormDoc Penalty,
        double NoWallMeanAbsRelativeError, bool RStarNIdentified, List<FitDocs.FindingDoc> Health);
    public sealed record Doc(int Schema, string Kind, string Created, string Fit, string Data, List<TaskDoc> Tasks);

    private static PredictionDoc P(WallPrediction p) => new(p.Run, p.Epochs, p.Observed, p.Predicted, p.RelativeError);

    private static FormDoc Form(WallFormFit f, Dictionary<string, double> ps) => new(ps, f.RmsLogResidual, f.MeanAbsRelativeError,
        double.IsFinite(f.LeaveOneOutMeanAbsRelativeError) ? f.LeaveOneOutMeanAbsRelativeError : null, f.HeldOut is { } h ? P(h) : null,
        f.InSample.Select(P).ToList(), f.LeaveOneOut.Select(P).ToList());

    public static TaskDoc ToDoc(DataWallFitResult r) => new(r.Task,
        new() { ["E"] = r.Base.E, ["A"] = r.Base.A, ["B"] = r.Base.B, ["alpha"] = r.Base.Alpha, ["beta"] = r.Base.Beta },
        r.Runs.Select(x => new RunDoc(x.Name, x.N, x.D, x.U, x.Epochs, x.Loss, x.Reference)).ToList(),
        Form(r.Muennighoff, new() { ["r_star_d"] = r.Muennighoff.Law.RStarD, ["r_star_n"] = r.Muennighoff.Law.RStarN }),
        Form(r.Penalty, new() { ["lambda"] = r.Penalty.Law.Lambda }),
        r.NoWallMeanAbsRelativeError, r.RStarNIdentified, FitDocs.ToDocs(r.Health));

    public static void Write(string path, Doc doc) =>
        T2.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(doc, FitFileIo.Info<Doc>()));

    public static Doc Read(string path)
    {
        var text = FitFileIo.ReadText(path, "data-wall file");
        Doc? doc;
        try { doc = JsonSerializer.Deserialize(text, FitFileIo.Info<Doc>()); }
        catch (JsonException e)
        {
            var (field, why) = T2.IO.JsonErrors.Describe(e);
            throw new InputException(path, (int)(e.LineNumber ?? -1) + 1, field.Length > 0 ? field : null, $"not a data-wall file ({why}).");
        }
        if (doc is null || doc.Kind != "data_wall") throw new InputException(path, 0, "kind", "not a data-wall file from 't2 fit data-wall'.");
        if (doc.Schema != Schema) throw new InputException(path, 0, "schema", $"data-wall schema {doc.Schema}; this t2 reads {Schema}.");
        if (doc.Tasks is null || doc.Tasks.Count == 0) throw new InputException(path, 0, "tasks", "no tasks.");
        for (int i = 0; i < doc.Tasks.Count; i++)
        {
            var t = doc.Tasks[i];
            foreach (var (name, ps) in new[] { ("muennighoff", t.Muennighoff?.Params), ("penalty", t.Penalty?.Params) })
            {
                if (ps is null) throw new InputException(path, 0, $"tasks[{i}].{name}.params", "missing.");
                foreach (var (k, v) in ps)
                    if (!double.IsFinite(v) || v < 0) throw new InputException(path, 0, $"tasks[{i}].{name}.params.{k}", $"{v} must be finite and ≥ 0.");
            }
            foreach (var k in new[] { "r_star_d", "r_star_n" })
                if (!t.Muennighoff!.Params.TryGetValue(k, out var v) || !(v > 0)) throw new InputException(path, 0, $"tasks[{i}].muennighoff.params.{k}", "missing or not > 0.");
            if (!t.Penalty!.Params.ContainsKey("lambda")) throw new InputException(path, 0, $"tasks[{i}].penalty.params.lambda", "missing.");
        }
        return doc;
    }

    /// <summary>The wall law of one task in the chosen form, or null when the file has no such task.</summary>
    public static DataWallLaw? Law(Doc doc, string task, WallForm form)
    {
        var t = doc.Tasks.FirstOrDefault(x => x.Task == task);
        if (t is null) return null;
        return form == WallForm.Muennighoff
            ? new DataWallLaw(WallForm.Muennighoff, t.Muennighoff.Params["r_star_d"], t.Muennighoff.Params["r_star_n"], 0)
            : new DataWallLaw(WallForm.Penalty, 0, 0, t.Penalty.Params["lambda"]);
    }
}
