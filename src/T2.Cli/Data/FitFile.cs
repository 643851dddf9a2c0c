using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using T2.Core.Fitting;
using T2.Core.Laws;
using T2.Core.Planning;

namespace T2.Cli.Data;

/// <summary>
/// The versioned fit file written by <c>t2 fit t2</c> and read by <c>plan</c>, <c>predict</c> and <c>frontier</c>.
/// Schema 1: parameters in full precision with bootstrap intervals and every bootstrap replicate (so that planned
/// quantities get intervals too), the data's SHA-256 and counts, and the options used.
/// </summary>
public static class FitFile
{
    public const int Schema = 1;

    public sealed record Doc(int Schema, string Tool, string Created, DataInfo Data, Dictionary<string, string> Options, List<TaskDoc> Tasks);
    public sealed record DataInfo(string File, string Sha256, int Rows, int Checkpoints, string NColumn, string DColumn);
    public sealed record RangeDoc(double NMin, double NMax, double DMin, double DMax, double RatioMin, double RatioMax, double KMin, double KMax);
    public sealed record Interval(double Lower, double Upper);
    public sealed record Diagnostics(double Objective, double Rmse, bool Converged, string StopReason, double GradientNorm,
        int StartsTried, int StartsConverged, int StartsFailed, int StartsNearBest, int Observations);
    public sealed record A1Doc(Dictionary<string, double> Params, Dictionary<string, Interval>? Intervals, Diagnostics Diagnostics,
        int DroppedObservations, int BootstrapRequested, List<double[]> Bootstrap);
    public sealed record Stage1Doc(Dictionary<string, double> Params, string Method, double Objective, double[] ProfileE, double[] ProfileObjective);
    public sealed record A2Doc(Stage1Doc Stage1, Dictionary<string, double> Theta, Dictionary<string, Interval>? Intervals, Diagnostics Diagnostics,
        int BootstrapRequested, List<double[]> Bootstrap);
    public sealed record CheckpointDoc(string Name, double N, double D, double[] AccK, double[] NllK, double BetaA, double BetaB, double BetaMaxAccGap, double BetaGapAtK);
    public sealed record TaskDoc(string Task, string Evidence, string Target, double[] KGrid, RangeDoc Range, A1Doc? Approach1, A2Doc? Approach2, List<CheckpointDoc> Checkpoints)
    {
        /// <summary>Extrapolation check (<c>--holdout-largest</c>), when requested.</summary>
        public HoldoutResult? Holdout { get; init; }
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Sha256(string path) { using var s = File.OpenRead(path); return Convert.ToHexStringLower(SHA256.HashData(s)); }

    public static double[] A1Vector(Approach1Law l) => [l.E, l.A, l.B, l.Alpha, l.Beta, l.G, l.Gamma];
    public static Approach1Law A1Law(double[] v) => new(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    public static double[] A2Vector(Approach2Law l) => [l.Loss.E, l.Loss.A, l.Loss.B, l.Loss.Alpha, l.Loss.Beta, l.Theta0, l.Theta1, l.Theta2, l.Theta3, l.Theta4];
    public static Approach2Law A2Law(double[] v) => new(new ChinchillaLaw(v[0], v[1], v[2], v[3], v[4]), v[5], v[6], v[7], v[8], v[9]);
    public static readonly string[] A1Names = ["E", "A", "B", "alpha", "beta", "G", "gamma"];
    public static readonly string[] A2Names = ["E", "A", "B", "alpha", "beta", "theta0", "theta1", "theta2", "theta3", "theta4"];

    public static TaskDoc ToDoc(T2TaskFitResult r, double level)
    {
        A1Doc? a1 = null; A2Doc? a2 = null;
        if (r.Approach1 is { } f1)
        {
            var v = A1Vector(f1.Law);
            a1 = new A1Doc(Named(A1Names, v), Intervals(A1Names, r.Approach1Boot.Select(A1Vector).ToList(), level),
                Diag(f1.Objective, f1.Observations, f1.Converged, f1.Reason.ToString(), f1.GradientNorm, f1.StartsTried, f1.StartsConverged, f1.StartsFailed, f1.StartsNearBest),
                r.Approach1Dropped, r.BootstrapRequested, r.Approach1Boot.Select(A1Vector).ToList());
        }
        if (r.Approach2 is { } f2)
        {
            var s1 = f2.Stage1;
            var v = A2Vector(f2.Law);
            a2 = new A2Doc(new Stage1Doc(Named(A2Names[..5], v[..5]), s1.Method, s1.Objective, s1.ProfileE, s1.ProfileObjective),
                Named(A2Names[5..], v[5..]), Intervals(A2Names, r.Approach2Boot.Select(A2Vector).ToList(), level),
                Diag(f2.Objective, f2.Observations, f2.Converged, f2.Reason.ToString(), f2.GradientNorm, f2.StartsTried, f2.StartsConverged, f2.StartsFailed, f2.StartsNearBest),
                r.BootstrapRequested, r.Approach2Boot.Select(A2Vector).ToList());
        }
        var g = r.Range;
        return new TaskDoc(r.Task, r.EvidenceKind, r.Target, r.KGrid, new RangeDoc(g.NMin, g.NMax, g.DMin, g.DMax, g.RatioMin, g.RatioMax, g.KMin, g.KMax), a1, a2,
            r.Checkpoints.Select(c => new CheckpointDoc(c.Name, c.N, c.D, c.AccK, c.NllK, c.Beta.A, c.Beta.B, c.Beta.MaxAccGap, c.Beta.GapAtK)).ToList());
    }

    private static Diagnostics Diag(double f, int obs, bool conv, string reason, double g, int tried, int converged, int failed, int near) =>
        new(f, Math.Sqrt(f / Math.Max(1, obs)), conv, reason, g, tried, converged, failed, near, obs);

    private static Dictionary<string, double> Named(string[] names, double[] v) => names.Select((n, i) => (n, v[i])).ToDictionary(p => p.n, p => p.Item2);

    private static Dictionary<string, Interval>? Intervals(string[] names, List<double[]> boot, double level)
    {
        if (boot.Count == 0) return null;
        double lo = (1 - level) / 2;
        return names.Select((n, i) =>
        {
            var s = boot.Select(b => b[i]).Where(double.IsFinite).Order().ToArray();
            return (n, s.Length == 0 ? new Interval(double.NaN, double.NaN) : new Interval(ChinchillaBootstrap.Quantile(s, lo), ChinchillaBootstrap.Quantile(s, 1 - lo)));
        }).ToDictionary(p => p.n, p => p.Item2);
    }

    public static FitRange Range(TaskDoc t) => new(t.Range.NMin, t.Range.NMax, t.Range.DMin, t.Range.DMax, t.Range.RatioMin, t.Range.RatioMax, t.Range.KMin, t.Range.KMax);
    public static Approach1Law? A1(TaskDoc t) => t.Approach1 is null ? null : A1Law(A1Names.Select(n => t.Approach1.Params[n]).ToArray());
    public static Approach2Law? A2(TaskDoc t) => t.Approach2 is null ? null
        : A2Law([.. A2Names[..5].Select(n => t.Approach2.Stage1.Params[n]), .. A2Names[5..].Select(n => t.Approach2.Theta[n])]);

    /// <summary>Writes atomically: a temporary file beside the target, then a rename, so a crash never leaves half a file.</summary>
    public static void Write(string path, Doc doc)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(doc, Json));
        File.Move(tmp, full, overwrite: true);
    }

    public static Doc Read(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, 0, null, "fit file not found.");
        JsonDocument raw;
        try { raw = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? -1) + 1, null, $"not a JSON fit file ({e.Message.Split('.')[0]})."); }
        using (raw)
        {
            if (raw.RootElement.ValueKind != JsonValueKind.Object || !raw.RootElement.TryGetProperty("schema", out var s) || s.ValueKind != JsonValueKind.Number)
                throw new InputException(path, 0, "schema", "not a t2 fit file (no numeric \"schema\" field).");
            if (s.GetInt32() != Schema)
                throw new InputException(path, 0, "schema", $"fit file schema {s.GetInt32()}; this t2 reads schema {Schema}. Refit with this version.");
        }
        try { return JsonSerializer.Deserialize<Doc>(File.ReadAllText(path), Json) ?? throw new InputException(path, 0, null, "empty fit file."); }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? -1) + 1, e.Path, $"malformed fit file ({e.Message.Split('.')[0]})."); }
    }
}
