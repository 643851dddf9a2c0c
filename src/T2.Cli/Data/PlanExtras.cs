using System.Text.Json;
using T2.Core.Health;
using T2.Testbed.Ladder;

namespace T2.Cli.Data;

/// <summary>
/// Extra ladder points from a plan (the JSON of 't2 plan --json'): for the plan of task "macro" (else the first plan) and
/// Approach 2 when present (else 1), the T²-optimal and the Chinchilla-optimal models. Each planned N is realised by the
/// spec's shape nearest in log N, trained on D = C_train / 6N of that shape, so both keep the plan's training budget.
/// </summary>
public static class PlanExtras
{
    /// <summary>
    /// The shapes a planned N may be realised with: the spec's own, and widths in steps of 8 (heads of 8–16 dimensions) with
    /// 1–4 blocks, so that two plans a third apart in N do not collapse onto one ladder shape — but only those whose aspect
    /// ratio d_model/layers lies within the ladder's own range. The laws see N alone; a shape outside the family they were
    /// fitted on (the quick preset once realised N 1.5e4 as d16l4h1, aspect 4 against the ladder's 8–48) tests the shape,
    /// not the plan: width-16 models stay near 0 on spatial at every D the ladder tried.
    /// </summary>
    public static List<Shape> Candidates(LadderSpec spec)
    {
        double lo = spec.Shapes.Min(Aspect), hi = spec.Shapes.Max(Aspect);
        var list = new List<Shape>(spec.Shapes);
        for (int d = 8; d <= 256; d += 8)
            for (int l = 1; l <= 4; l++)
            {
                var s = new Shape(d, l, d % 16 == 0 ? d / 16 : d / 8);
                if (Aspect(s) >= lo && Aspect(s) <= hi) list.Add(s);
            }
        return list.DistinctBy(s => s.Name).ToList();
    }

    private static double Aspect(Shape s) => (double)s.DModel / s.Layers;

    public static List<ExtraRun> Read(string path, LadderSpec spec)
    {
        JsonElement plans, root;
        try
        {
            using var doc = JsonDocument.Parse(T2.IO.StrictText.ReadAll(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("plans", out plans)
                || plans.ValueKind != JsonValueKind.Array || plans.GetArrayLength() == 0)
                throw new InputException(path, 0, "plans", "no plans (expected the output of 't2 plan --json')");
            root = doc.RootElement.Clone(); plans = root.GetProperty("plans");
        }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? 0) + 1, null, "not JSON (expected the output of 't2 plan --json')"); }
        catch (IOException e) { throw new InputException(path, 0, null, FitFileIo.FirstSentence(e.Message)); }
        var list = plans.EnumerateArray().ToList();
        int notObject = list.FindIndex(e => e.ValueKind != JsonValueKind.Object);
        if (notObject >= 0) throw new InputException(path, 0, $"plans[{notObject}]", "not an object (expected the output of 't2 plan --json')");
        string Str(JsonElement e, string n) => e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var chosen = list.Where(e => Str(e, "task") == "macro").DefaultIfEmpty(list[0]).ToList();
        var pick = chosen.FirstOrDefault(e => Str(e, "approach") == "2");
        if (pick.ValueKind == JsonValueKind.Undefined) pick = chosen[0];
        double Num(JsonElement e, string n, string where) =>
            e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number && v.GetDouble() > 0 ? v.GetDouble()
                : throw new InputException(path, 0, where + n, "missing or not a positive number");
        double c = Num(pick, "c_train", "plans[].");
        double nOpt = Num(pick, "N", "plans[].");
        if (!pick.TryGetProperty("chinchilla", out var ch) || ch.ValueKind != JsonValueKind.Object) throw new InputException(path, 0, "plans[].chinchilla", "missing or not an object");
        double nCh = Num(ch, "N", "plans[].chinchilla.");
        ExtraRun Make(string label, double n)
        {
            var shape = LadderPlan.Nearest(spec, Candidates(spec), n);
            long tokens = (long)Math.Round(c / (6.0 * LadderPlan.ParamsOf(spec, shape)));
            return new ExtraRun(label, shape, tokens);
        }
        string task = Str(pick, "task"), approach = Str(pick, "approach");
        return [Make($"t2opt-{task}-a{approach}", nOpt), Make($"chinchilla-{task}-a{approach}", nCh), .. Replicates(path, root)];
    }

    /// <summary>
    /// The plan file of 't2 validate' also lists Table 1's pair to retrain: "replicates": [{label, shape: {d_model, layers,
    /// heads}, tokens, seeds}] — ladder runs copied with other seeds, for the comparison's seed spread.
    /// </summary>
    private static List<ExtraRun> Replicates(string path, JsonElement root)
    {
        if (!root.TryGetProperty("replicates", out var reps)) return [];
        if (reps.ValueKind != JsonValueKind.Array) throw new InputException(path, 0, "replicates", "not an array");
        var list = new List<ExtraRun>();
        int i = 0;
        foreach (var r in reps.EnumerateArray())
        {
            string at = $"replicates[{i++}].";
            int Int(JsonElement e, string n, string where) =>
                e.ValueKind == JsonValueKind.Object && e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int x) && x >= 1 ? x
                    : throw new InputException(path, 0, where + n, "missing or not a positive integer");
            string label = r.ValueKind == JsonValueKind.Object && r.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()!
                : throw new InputException(path, 0, at + "label", "missing or not a string");
            if (!r.TryGetProperty("shape", out var sh)) throw new InputException(path, 0, at + "shape", "missing");
            var shape = new Shape(Int(sh, "d_model", at + "shape."), Int(sh, "layers", at + "shape."), Int(sh, "heads", at + "shape."));
            long tokens = r.TryGetProperty("tokens", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out long tv) && tv >= 1 ? tv
                : throw new InputException(path, 0, at + "tokens", "missing or not a positive integer");
            if (!r.TryGetProperty("seeds", out var sd) || sd.ValueKind != JsonValueKind.Array || sd.GetArrayLength() == 0)
                throw new InputException(path, 0, at + "seeds", "missing or empty");
            var seeds = sd.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out int v) ? v
                : throw new InputException(path, 0, at + "seeds", "not an integer")).ToList();
            list.Add(new ExtraRun(label, shape, tokens, seeds));
        }
        return list;
    }
}
