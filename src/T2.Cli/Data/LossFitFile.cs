using System.Text.Json.Nodes;
using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;
using static T2.Cli.Data.FitDocs;

namespace T2.Cli.Data;

/// <summary>
/// The versioned loss-law fit file written by <c>t2 fit loss --out</c> (schema 2, kind "loss"), read by
/// <c>t2 predict --fit</c> (loss at N, D) and <c>t2 plan --fit</c> (compute-optimal N, D with intervals). Same conventions
/// as the T² fit file: data hash, the options record, parameters with every bootstrap replicate, health, fitted range.
/// </summary>
public static class LossFitFile
{
    public static readonly string[] Names = ["E", "A", "B", "alpha", "beta"];

    public sealed record DataInfo(string File, string Sha256, int Rows, int Points, string NColumn, string DColumn, string LossColumn);
    public sealed record LawDoc(Dictionary<string, double> Params, Dictionary<string, IntervalDoc>? Intervals, string ObjectiveKind, double? HuberDelta,
        double? VarProObjective);
    public sealed record Doc(int Schema, string Kind, string Tool, string Created, DataInfo Data, JsonObject Options, LawDoc Law,
        DiagnosticsDoc Diagnostics, RangeDoc Range, List<FindingDoc> Health, BootstrapDoc? Bootstrap, List<double[]> Valley, CvDoc? Cv);

    public static double[] Vector(ChinchillaLaw l) => [l.E, l.A, l.B, l.Alpha, l.Beta];
    public static ChinchillaLaw Law(double[] v) => new(v[0], v[1], v[2], v[3], v[4]);
    public static ChinchillaLaw Law(Doc d) => Law(Names.Select(n => d.Law.Params[n]).ToArray());

    public static Doc ToDoc(DataInfo data, JsonObject options, ChinchillaFitResult fit, BootstrapResult? boot, CvResult? cv)
    {
        var v = Vector(fit.Law);
        var reps = boot?.Laws.Where(l => double.IsFinite(l.E)).Select(Vector).ToList() ?? [];
        return new Doc(FitFileIo.Schema, "loss", "t2", DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture), data, options,
            new LawDoc(Named(Names, v), boot is null ? null : Intervals(Names, v, reps, boot.Level),
                fit.ObjectiveKind == LossObjective.HuberLog ? "huber_log" : "squared_error",
                fit.ObjectiveKind == LossObjective.HuberLog ? fit.HuberDelta : null, fit.VarProObjective),
            FitDocs.ToDoc(fit.Diagnostics, fit.Objective, fit.Points), FitDocs.ToDoc(fit.Range), ToDocs(fit.Health),
            boot is null ? null : new BootstrapDoc(boot.Requested, boot.Succeeded, boot.Seed, boot.Level, reps, ToDocs(boot.Health)),
            fit.Diagnostics.Valley.Select(x => Vector(ChinchillaFit.ToLaw(x))).ToList(), FitDocs.ToDoc(cv));
    }

    public static Doc Read(string path)
    {
        if (FitFileIo.Kind(path) != "loss") throw new InputException(path, 0, "kind", "a T² fit file; this form of the verb needs a loss-law fit file from 't2 fit loss --out'.");
        var doc = FitFileIo.Read<Doc>(path);
        if (doc.Law is null) throw new InputException(path, 0, "law", "missing.");
        LawChecks.Params(path, "law.params", doc.Law.Params, Names, ["alpha", "beta"]);
        if (!(doc.Law.Params["alpha"] + doc.Law.Params["beta"] > 0)) throw new InputException(path, 0, "law.params", "alpha + beta must be > 0.");
        LawChecks.Range(path, "range", doc.Range);
        LawChecks.Vectors(path, "bootstrap.replicates", doc.Bootstrap?.Replicates, Names.Length);
        LawChecks.Vectors(path, "valley", doc.Valley, Names.Length);
        return doc;
    }

    /// <summary>Trust of a loss-law point (no k: the factor for k is 1).</summary>
    public static PlanTrust Trust(Doc doc, double n, double d) =>
        PlanTrustAssessor.Assess(n, d, 1, 1, FromDoc(doc.Range), [.. FromDocs(doc.Health), .. FromDocs(doc.Bootstrap?.Health)],
            valleySpread: T2.Core.Health.HealthChecks.RelativeSpread((doc.Valley ?? []).Select(v => Law(v).Predict(n, d))));
}
