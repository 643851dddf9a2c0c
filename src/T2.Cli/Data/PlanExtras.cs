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
    /// 1–4 blocks, so that two plans a third apart in N do not collapse onto one ladder shape.
    /// </summary>
    public static List<Shape> Candidates(LadderSpec spec)
    {
        var list = new List<Shape>(spec.Shapes);
        for (int d = 8; d <= 256; d += 8)
            for (int l = 1; l <= 4; l++)
                list.Add(new Shape(d, l, d % 16 == 0 ? d / 16 : d / 8));
        return list.DistinctBy(s => s.Name).ToList();
    }

    public static List<ExtraRun> Read(string path, LadderSpec spec)
    {
        JsonElement plans;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("plans", out plans) || plans.ValueKind != JsonValueKind.Array || plans.GetArrayLength() == 0)
                throw new InputException(path, 0, "plans", "no plans (expected the output of 't2 plan --json')");
            plans = plans.Clone();
        }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? 0) + 1, null, "not JSON (expected the output of 't2 plan --json')"); }
        catch (IOException e) { throw new InputException(path, 0, null, FitFileIo.FirstSentence(e.Message)); }
        var list = plans.EnumerateArray().ToList();
        string Str(JsonElement e, string n) => e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var chosen = list.Where(e => Str(e, "task") == "macro").DefaultIfEmpty(list[0]).ToList();
        var pick = chosen.FirstOrDefault(e => Str(e, "approach") == "2");
        if (pick.ValueKind == JsonValueKind.Undefined) pick = chosen[0];
        double Num(JsonElement e, string n, string where) =>
            e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number && v.GetDouble() > 0 ? v.GetDouble()
                : throw new InputException(path, 0, where + n, "missing or not a positive number");
        double c = Num(pick, "c_train", "plans[].");
        double nOpt = Num(pick, "N", "plans[].");
        if (!pick.TryGetProperty("chinchilla", out var ch)) throw new InputException(path, 0, "plans[].chinchilla", "missing");
        double nCh = Num(ch, "N", "plans[].chinchilla.");
        ExtraRun Make(string label, double n)
        {
            var shape = LadderPlan.Nearest(spec, Candidates(spec), n);
            long tokens = (long)Math.Round(c / (6.0 * LadderPlan.ParamsOf(spec, shape)));
            return new ExtraRun(label, shape, tokens);
        }
        string task = Str(pick, "task"), approach = Str(pick, "approach");
        return [Make($"t2opt-{task}-a{approach}", nOpt), Make($"chinchilla-{task}-a{approach}", nCh)];
    }
}
