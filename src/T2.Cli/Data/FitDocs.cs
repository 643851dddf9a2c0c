using T2.Core.Fitting;
using T2.Core.Health;
using T2.Core.Optimization;
using T2.Core.Statistics;

namespace T2.Cli.Data;

/// <summary>The JSON shapes shared by both kinds of fit file (T² and loss law), and their conversions from core records.</summary>
public static class FitDocs
{
    public sealed record FindingDoc(string Code, string Severity, string Message, string? Parameter, double? Value, string? Scope);
    public sealed record IntervalDoc(double Estimate, double Lower, double Upper);
    public sealed record RangeDoc(double NMin, double NMax, double DMin, double DMax, double RatioMin, double RatioMax, double KMin, double KMax);
    public sealed record DiagnosticsDoc(double Objective, double Rmse, bool Converged, string StopReason, double GradientNorm, double GradientTolerance,
        int Iterations, int StartsTried, int StartsConverged, int StartsFailed, int StartsNearBest, int Observations, double[] BestObjectives, double ValleyWindow);
    public sealed record BootstrapDoc(int Requested, int Succeeded, int? Seed, double Level, List<double[]> Replicates, List<FindingDoc> Health);
    public sealed record CvFoldDoc(int Fold, [property: System.Text.Json.Serialization.JsonPropertyName("left_out_N")] double LeftOutN, int TrainSizes, int Points, double? RelativeError, double? SignedRelativeError, string? Impossible,
        [property: System.Text.Json.Serialization.JsonPropertyName("stage1_signed_relative_error")] double? StageOneSignedRelativeError = null,
        [property: System.Text.Json.Serialization.JsonPropertyName("stage2_relative_error")] double? StageTwoRelativeError = null,
        [property: System.Text.Json.Serialization.JsonPropertyName("stage2_signed_relative_error")] double? StageTwoSignedRelativeError = null);
    public sealed record CvDoc(string Scheme, string Metric, double Seconds, double? MeanRelativeError, double? MeanSignedRelativeError, List<CvFoldDoc> Folds,
        [property: System.Text.Json.Serialization.JsonPropertyName("mean_stage1_signed_relative_error")] double? MeanStageOneSignedRelativeError = null,
        [property: System.Text.Json.Serialization.JsonPropertyName("mean_stage2_relative_error")] double? MeanStageTwoRelativeError = null,
        [property: System.Text.Json.Serialization.JsonPropertyName("mean_stage2_signed_relative_error")] double? MeanStageTwoSignedRelativeError = null);

    public static FindingDoc ToDoc(Finding f) => new(f.Code, Findings.Name(f.Severity), f.Message, f.Parameter, f.Value, f.Scope);
    public static List<FindingDoc> ToDocs(IEnumerable<Finding> fs) => fs.Select(ToDoc).ToList();

    public static Finding FromDoc(FindingDoc f) => new(f.Code, f.Severity switch { "info" => Severity.Info, "error" => Severity.Error, _ => Severity.Warn }, f.Message)
    { Parameter = f.Parameter, Value = f.Value, Scope = f.Scope };
    public static List<Finding> FromDocs(IEnumerable<FindingDoc>? fs) => (fs ?? []).Select(FromDoc).ToList();

    public static IntervalDoc ToDoc(Interval i) => new(i.Estimate, i.Lower, i.Upper);
    public static RangeDoc ToDoc(FitRange r) => new(r.NMin, r.NMax, r.DMin, r.DMax, r.RatioMin, r.RatioMax, r.KMin, r.KMax);
    public static FitRange FromDoc(RangeDoc r) => new(r.NMin, r.NMax, r.DMin, r.DMax, r.RatioMin, r.RatioMax, r.KMin, r.KMax);

    public static DiagnosticsDoc ToDoc(MultiStartDiagnostics d, double objective, int observations) =>
        new(objective, Math.Sqrt(objective / Math.Max(1, observations)), d.Converged, d.Reason.ToString(), d.GradientNorm, d.GradientTolerance,
            d.Iterations, d.StartsTried, d.StartsConverged, d.StartsFailed, d.StartsNearBest, observations, d.BestObjectives, d.ValleyWindow);

    public static CvDoc? ToDoc(CvResult? r) => r is null ? null : new(r.Scheme, r.Metric, r.Seconds, r.MeanRelativeError, r.MeanSignedRelativeError,
        r.Folds.Select(f => new CvFoldDoc(f.Fold, f.LeftOutN, f.TrainSizes, f.Points, f.RelativeError, f.SignedRelativeError, f.Impossible,
            f.StageOneSignedRelativeError, f.StageTwoRelativeError, f.StageTwoSignedRelativeError)).ToList(),
        r.MeanStageOneSignedRelativeError, r.MeanStageTwoRelativeError, r.MeanStageTwoSignedRelativeError);

    /// <summary>Named parameter → value, in the given order.</summary>
    public static Dictionary<string, double> Named(string[] names, double[] v) => names.Select((n, i) => (n, v[i])).ToDictionary(p => p.n, p => p.Item2);

    /// <summary>Percentile intervals of each named coordinate over the replicates (null without replicates).</summary>
    public static Dictionary<string, IntervalDoc>? Intervals(string[] names, double[] estimate, IReadOnlyList<double[]> replicates, double level)
    {
        if (replicates.Count == 0) return null;
        return names.Select((n, i) => (n, ToDoc(Percentile.Of(replicates.Select(b => b[i]), level, estimate[i])))).ToDictionary(p => p.n, p => p.Item2);
    }
}
