using System.Globalization;
using System.Text.Json;

namespace T2.Tests.Cli;

/// <summary>`t2 fit t2`, `plan`, `predict`, `frontier` end to end on the real Pythia GSM8K ladder and on bad input.</summary>
public class T2CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-t2-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string P(string name) => Path.Combine(_dir, name);
    private string Write(string name, string text) { File.WriteAllText(P(name), text); return P(name); }

    private static readonly string Gsm = RepoData.PathOf("pass_at_k/pythia_checkpoints_gsm8k_per_problem.csv");
    private static readonly string[] GsmCols = ["--n-col", "N_params_non_embedding", "--d-col", "D_tokens_seen", "--checkpoint-col", "model_nickname"];

    private static readonly Lazy<(string Path, CliRun Run)> GsmFit = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"t2-gsm-{Environment.ProcessId}.json");
        var run = CliRun.Of([.. new[] { "fit", "t2", "--data", Gsm }, .. GsmCols, "--out", path, "--cv", "largest:2", "--bootstrap", "8"]);
        return (path, run);
    });

    [Fact]
    public void FitT2File_WrittenFromGeneratedMetadata_IsWhatReflectionWrites()
    {
        var (path, run) = GsmFit.Value;
        Assert.Equal(0, run.Code);
        string text = File.ReadAllText(path);
        var doc = T2.Cli.Data.FitFileIo.Read<T2.Cli.Data.FitFile.Doc>(path);
        Assert.Equal(JsonSerializer.Serialize(doc, JsonContextTests.Reflection()), text);
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void FitT2_OnPythiaGsm8k_BothApproachesFit_BetterThanAConstant_AndReportHealthAndCv()
    {
        var (path, run) = GsmFit.Value;
        Assert.Equal(0, run.Code);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("schema").GetInt32());
        Assert.Equal("t2", root.GetProperty("kind").GetString());
        Assert.Equal(5000, root.GetProperty("options").GetProperty("a1").GetProperty("solver").GetProperty("max_iterations").GetInt32());
        Assert.Equal(64, root.GetProperty("data").GetProperty("sha256").GetString()!.Length);
        var task = root.GetProperty("tasks")[0];
        Assert.Equal(81, task.GetProperty("checkpoints").GetArrayLength());
        // Whatever the real figures are, each law must explain more than a constant does (RMSE below the targets' spread).
        var cps = task.GetProperty("checkpoints").EnumerateArray().ToList();
        double Std(IEnumerable<double> v) { var a = v.Where(double.IsFinite).ToArray(); double m = a.Average(); return Math.Sqrt(a.Sum(x => (x - m) * (x - m)) / a.Length); }
        double nllStd = Std(cps.SelectMany(c => c.GetProperty("nll_k").EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Number).Select(x => x.GetDouble())));
        double accStd = Std(cps.SelectMany(c => c.GetProperty("acc_k").EnumerateArray().Select(x => x.GetDouble())));
        Assert.True(task.GetProperty("approach1").GetProperty("diagnostics").GetProperty("rmse").GetDouble() < nllStd);
        Assert.True(task.GetProperty("approach2").GetProperty("diagnostics").GetProperty("rmse").GetDouble() < accStd);
        Assert.True(task.GetProperty("approach1").GetProperty("diagnostics").GetProperty("starts_converged").GetInt32() > 0);
        // Two checkpoints solved no question: their 16 −log 0 observations are dropped and counted.
        Assert.Equal(16, task.GetProperty("approach1").GetProperty("dropped_observations").GetInt32());
        // Health as data: Approach 1's E sits on its lower bound e^-30 on this ladder (the finding the issue reported unflagged).
        var h1 = task.GetProperty("approach1").GetProperty("health").EnumerateArray().ToList();
        Assert.Contains(h1, f => f.GetProperty("code").GetString() == "param_at_bound" && f.GetProperty("parameter").GetString() == "E");
        // Cross-validation largest:2: one refit without the two largest sizes, scored on each of them.
        var cv = task.GetProperty("cv").GetProperty("approach1");
        Assert.Equal("largest:2", cv.GetProperty("scheme").GetString());
        var folds = cv.GetProperty("folds").EnumerateArray().ToList();
        Assert.Equal(2, folds.Count);
        Assert.All(folds, f => Assert.True(f.GetProperty("points").GetInt32() > 0 && double.IsFinite(f.GetProperty("relative_error").GetDouble())));
        Assert.True(folds[0].GetProperty("left_out_N").GetDouble() > folds[1].GetProperty("left_out_N").GetDouble());
        Assert.Equal(8, task.GetProperty("approach1").GetProperty("bootstrap").GetProperty("requested").GetInt32());
    }

    [Fact]
    public void Plan_Json_HasTheDocumentedFields_AndBindsBothBudgets()
    {
        var (path, _) = GsmFit.Value;
        var r = CliRun.Of("plan", "--fit", path, "--c-train", "1e21", "--c-inf", "1.4e11", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var plans = doc.RootElement.GetProperty("plans").EnumerateArray().ToList();
        Assert.Equal(2, plans.Count);
        foreach (var p in plans)
        {
            foreach (var f in new[] { "task", "approach", "N", "D", "k", "tokens_per_param", "predicted", "chinchilla" }) Assert.True(p.TryGetProperty(f, out _), f);
            double n = p.GetProperty("N").GetDouble(), d = p.GetProperty("D").GetDouble(), k = p.GetProperty("k").GetDouble();
            Assert.Equal(1e21, 6 * n * d, 1e21 * 1e-9);
            Assert.Equal(1.4e11, 2 * n * k, 1.4e11 * 1e-9);
            foreach (var f in new[] { "N", "D", "k", "tokens_per_param", "predicted" }) Assert.True(p.GetProperty("chinchilla").TryGetProperty(f, out _), f);
            // The fit file records its released bounds, so every plan judges them at its own point (issue 21, item 5).
            var release = p.GetProperty("trust").GetProperty("bound_release");
            Assert.Equal(JsonValueKind.Object, release.ValueKind);
            Assert.True(release.GetProperty("shift").GetDouble() >= 0);
        }
        using (var fitDoc = JsonDocument.Parse(File.ReadAllText(path)))
            Assert.Equal(JsonValueKind.Array, fitDoc.RootElement.GetProperty("tasks")[0].GetProperty("approach1").GetProperty("released").ValueKind);
        var table = CliRun.Of("plan", "--fit", path, "--c-train", "1e19,1e25", "--c-inf", "1.4e11");
        Assert.Equal(0, table.Code);
        Assert.Contains("beyond the fitted data", table.Console);
    }

    [Fact]
    public void Predict_Json_ReturnsRowsWithBothApproaches()
    {
        var (path, _) = GsmFit.Value;
        var r = CliRun.Of("predict", "--fit", path, "--n", "1e9,2e9", "--d", "1e11", "--k", "50", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(2e9, rows[1].GetProperty("n").GetDouble());
        double acc = rows[0].GetProperty("acc_k").GetDouble();
        Assert.InRange(acc, 0, 1);
        Assert.True(rows[0].GetProperty("nll_k").GetDouble() > 0);
        Assert.Equal(2, CliRun.Of("predict", "--fit", path, "--n", "1e9,2e9", "--d", "1e11,2e11,3e11", "--k", "1").Code);
    }

    [Fact]
    public void Frontier_WritesCsvAndPlots()
    {
        var (path, _) = GsmFit.Value;
        var r = CliRun.Of("frontier", "--fit", path, "--c-inf", "1.4e11", "--from", "1e19", "--to", "1e25", "--points", "20", "--out", P("front"));
        Assert.Equal(0, r.Code);
        var csv = File.ReadAllLines(P("front/frontier.csv"));
        Assert.Equal(1 + 20 * 4, csv.Length); // header + 20 budgets × (2 approaches + 2 scored baselines)
        // The fit has 8 bootstrap replicates: every optimum row carries its interval (re-planned per replicate), the baselines none.
        // The interval columns are the last eleven (the verdict before them is quoted and may hold commas).
        Assert.EndsWith(",level,N_lo,N_hi,D_lo,D_hi,tokens_per_param_lo,tokens_per_param_hi,k_lo,k_hi,predicted_lo,predicted_hi", csv[0]);
        foreach (var row in csv.Skip(1).Select(l => l.Split(',')))
        {
            if (row[1].StartsWith("chinchilla", StringComparison.Ordinal)) { Assert.Equal("", row[^11]); continue; }
            Assert.Equal(0.95, double.Parse(row[^11], CultureInfo.InvariantCulture));
            Assert.True(double.Parse(row[^10], CultureInfo.InvariantCulture) <= double.Parse(row[^9], CultureInfo.InvariantCulture), string.Join(',', row));
            Assert.True(double.Parse(row[^4], CultureInfo.InvariantCulture) <= double.Parse(row[^3], CultureInfo.InvariantCulture));
        }
        // The band is drawn (its legend entry is in the SVG).
        Assert.Contains("bootstrap band", File.ReadAllText(P("front/GSM8K/frontier_n.svg")));
        foreach (var f in new[] { "frontier_tokens_per_param", "frontier_n", "frontier_d", "frontier_k" })
        {
            var png = File.ReadAllBytes(P($"front/GSM8K/{f}.png"));
            Assert.True(png.Length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
            Assert.Contains("<svg", File.ReadAllText(P($"front/GSM8K/{f}.svg")));
        }
    }

    [Fact]
    public void Frontier_MarksWhereTheBaselineCannotServeOneSample_InCsvAndPlots()
    {
        var (path, _) = GsmFit.Value;
        // At C_inf = 1e10 the Chinchilla model (≈ 1e10 parameters at 1e25 FLOPs) outgrows C_inf/2 towards 1e25 FLOPs
        // (k = C_inf/2N < 1), not at 1e19.
        Assert.Equal(0, CliRun.Of("frontier", "--fit", path, "--c-inf", "1e10", "--from", "1e19", "--to", "1e25", "--points", "12", "--out", P("fk")).Code);
        var rows = File.ReadAllLines(P("fk/frontier.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var baseline = rows.Where(r => r[1].StartsWith("chinchilla", StringComparison.Ordinal)).ToList();
        foreach (var r in rows)
        {
            double n = double.Parse(r[4], CultureInfo.InvariantCulture), ci = double.Parse(r[3], CultureInfo.InvariantCulture);
            Assert.Equal(ci / (2 * n) < 1 ? "1" : "0", r[14]); // k_below_one, recomputed from N and C_inf
        }
        Assert.Contains(baseline, r => r[14] == "1");
        Assert.Contains(baseline, r => r[14] == "0");
        Assert.DoesNotContain(rows, r => !r[1].StartsWith("chinchilla", StringComparison.Ordinal) && r[14] == "1");
        // Every plot marks those stretches (their legend entry), and a k plot draws the k = 1 line.
        foreach (var f in new[] { "frontier_tokens_per_param", "frontier_n", "frontier_d", "frontier_k" })
            Assert.Contains("cannot serve one sample", File.ReadAllText(P($"fk/GSM8K/{f}.svg")));
        Assert.Contains("one sample per query", File.ReadAllText(P("fk/GSM8K/frontier_k.svg")));
        // Where the baseline serves a sample at every budget, nothing is marked.
        Assert.Equal(0, CliRun.Of("frontier", "--fit", path, "--c-inf", "1e10", "--from", "1e19", "--to", "1e21", "--points", "4", "--out", P("fk1")).Code);
        Assert.DoesNotContain(File.ReadAllLines(P("fk1/frontier.csv")).Skip(1), l => l.Split(',')[14] == "1");
        Assert.DoesNotContain("cannot serve one sample", File.ReadAllText(P("fk1/GSM8K/frontier_n.svg")));
    }

    [Fact]
    public void Frontier_StopOnSuccess_PlansApproach2Only_AndNeverBelowFixedK()
    {
        var (path, _) = GsmFit.Value;
        Assert.Equal(0, CliRun.Of("frontier", "--fit", path, "--c-inf", "1.4e11", "--from", "1e19", "--to", "1e25", "--points", "8", "--out", P("fixed")).Code);
        var r = CliRun.Of("frontier", "--fit", path, "--c-inf", "1.4e11", "--from", "1e19", "--to", "1e25", "--points", "8", "--stop-on-success", "--out", P("sos"));
        Assert.True(r.Code is 0 or 3, r.Err);
        var rows = File.ReadAllLines(P("sos/frontier.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(8 * 2, rows.Count);                                         // Approach 2 and its scored baseline
        Assert.All(rows, x => Assert.Equal("acc_k_stop_on_success", x[9]));
        var fixedA2 = File.ReadAllLines(P("fixed/frontier.csv")).Skip(1).Select(l => l.Split(',')).Where(x => x[1] == "approach2").ToList();
        var sosA2 = rows.Where(x => x[1] == "approach2").ToList();
        for (int i = 0; i < 8; i++) Assert.True(double.Parse(sosA2[i][8]) >= double.Parse(fixedA2[i][8]) - 1e-9);
        Assert.Equal(2, CliRun.Of("frontier", "--fit", path, "--c-inf", "1e11", "--stop-on-success", "--adaptive-k", "--out", P("x")).Code);
    }

    private static string Hardware(string name) =>
        Path.Combine(RepoData.RepoRoot, "examples", "hardware", name);

    [Fact]

    [Trait("Category", "Slow")]
    public void Plan_Hardware_ShowsFlopAndDollarOptimaSideBySide_WithinTheBudgets()
    {
        var (path, _) = GsmFit.Value;
        foreach (var f in new[] { "h100-sxm.json", "a100-sxm-80gb.json", "a100-sardana.json", "l4.json", "mi300x.json" })
            T2.Cli.Data.HardwareFile.Read(Hardware(f)); // every shipped example is valid
        var r = CliRun.Of("plan", "--fit", path, "--hardware", Hardware("l4.json"), "--c-train-usd", "1e5", "--c-inf-usd-per-query", "1e-3",
            "--max-latency-s", "5", "--prompt-tokens", "512", "--answer-tokens", "256", "--json");
        Assert.True(r.Code is 0 or 3, r.Err);
        var comps = JsonDocument.Parse(r.Out).RootElement.GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(2, comps.Count);                                               // approaches 1 and 2 of GSM8K
        foreach (var c in comps)
        {
            var u = c.GetProperty("usd_optimal");
            Assert.True(u.GetProperty("usd_per_query").GetDouble() <= 1e-3 * (1 + 1e-9));
            Assert.True(u.GetProperty("latency_s").GetDouble() <= 5 * (1 + 1e-9));
            Assert.Equal(1e5, u.GetProperty("train_usd").GetDouble(), 1e5 * 1e-9);
            Assert.True(u.TryGetProperty("trust", out _));
            // The FLOP plan, priced on this memory-bound card, overspends the per-query budget.
            Assert.True(c.GetProperty("flop_optimal").GetProperty("usd_per_query").GetDouble() > 1e-3);
        }
        var a2 = comps.Single(c => c.GetProperty("approach").GetString() == "2");
        Assert.True(a2.GetProperty("usd_optimal").GetProperty("predicted").GetDouble() >= a2.GetProperty("flop_optimal_served_at_usd_budget").GetProperty("predicted").GetDouble() - 1e-9);
        // The frontier: beside each FLOP optimum, the $-optimal plan spending the same dollars, with its costs.
        var front = CliRun.Of("frontier", "--fit", path, "--c-inf", "1e11", "--from", "1e20", "--to", "1e24", "--points", "4", "--hardware", Hardware("l4.json"), "--out", P("fh"));
        Assert.True(front.Code is 0 or 3, front.Err);
        var fh = File.ReadAllLines(P("fh/frontier.csv"));
        Assert.Contains(",train_usd,usd_per_query,latency_s,", fh[0]);
        var usdRows = fh.Where(l => l.Contains(",usd_optimal_approach2,")).ToList();
        Assert.Equal(4, usdRows.Count);
        var flopRows = fh.Where(l => l.Contains(",flop_optimal_approach2,")).ToList();
        for (int i = 0; i < 4; i++)   // same training dollars, per query no dearer (train_usd, usd_per_query precede the 11 interval columns)
        {
            var u = usdRows[i].Split(','); var fl = flopRows[i].Split(',');
            Assert.Equal(double.Parse(fl[^14]), double.Parse(u[^14]), double.Parse(fl[^14]) * 1e-6);
            Assert.True(double.Parse(u[^13]) <= double.Parse(fl[^13]) * (1 + 1e-6));
        }
        // The report's planner gains the "$-optimal at the same dollars" option.
        var rep = CliRun.Of("report", "--fit", path, "--hardware", Hardware("l4.json"), "--out", P("hw.html"));
        Assert.True(rep.Code == 0, rep.Err);
        var html = File.ReadAllText(P("hw.html"));
        Assert.Contains("[\"hw\",\"$-optimal on NVIDIA L4 24GB, same $\"]", html);
        Assert.Contains("\"hw\":[[", html);
        var text = CliRun.Of("plan", "--fit", path, "--hardware", Hardware("h100-sxm.json"), "--c-train", "1e23", "--c-inf", "1e11");
        Assert.True(text.Code is 0 or 3, text.Err);
        Assert.Contains("$-optimal", text.Console);
    }

    [Fact]
    public void Plan_Hardware_BadInput_IsOneLocatedLine()
    {
        var (path, _) = GsmFit.Value;
        string H(string body) => Write($"hw{body.GetHashCode():x}.json", body);
        var cases = new (string[] Args, string Expect)[]
        {
            (["--hardware", H("{\"name\": \"x\", \"peak_flops\": 1e12, \"memory_bandwidth\": 1e11, \"memory_bytes\": 1e9}"), "--c-train", "1e20", "--c-inf", "1e9"], "usd_per_hour"),
            (["--hardware", H("{\"name\": \"x\", \"peak_flops\": 1e12, \"memory_bandwidth\": 1e11, \"memory_bytes\": 1e9, \"usd_per_hour\": 1, \"mfu_trian\": 0.5}"), "--c-train", "1e20", "--c-inf", "1e9"], "mfu_trian"),
            (["--hardware", H("{\"name\": \"x\", \"peak_flops\": 1e12, \"memory_bandwidth\": 1e11, \"memory_bytes\": 1e9, \"usd_per_hour\": 1, \"mfu_decode\": 2}"), "--c-train", "1e20", "--c-inf", "1e9"], "mfu_decode"),
            (["--hardware", H("[1, 2"), "--c-train", "1e20", "--c-inf", "1e9"], "not JSON"),
            (["--hardware", P("missing.json"), "--c-train", "1e20", "--c-inf", "1e9"], "not found"),
            (["--c-train-usd", "1e5", "--c-train", "1e20", "--c-inf", "1e9"], "--hardware"),
            (["--hardware", Hardware("l4.json"), "--c-train-usd", "1e5"], "both"),
            (["--hardware", Hardware("l4.json"), "--c-train-usd", "1e5", "--c-inf-usd-per-query", "-1"], "--c-inf-usd-per-query"),
            (["--hardware", Hardware("l4.json"), "--c-train", "1e20", "--c-inf", "1e9", "--stop-on-success"], "--stop-on-success"),
            (["--hardware", Hardware("l4.json"), "--c-train", "1e20", "--k", "4"], "--k"),
        };
        foreach (var (args, expect) in cases)
        {
            var r = CliRun.Of([.. new[] { "plan", "--fit", path }, .. args]);
            Assert.True(r.Code == 2, $"{string.Join(' ', args)} → {r.Code}: {r.Err}");
            Assert.Contains(expect, r.Err);
            Assert.DoesNotContain("   at ", r.Err);
        }
    }

    private const string Header = "checkpoint,params,tokens,task,question,num_samples,num_correct\n";
    private static string Rows(int checkpoints, int samples = 16) => string.Concat(Enumerable.Range(0, checkpoints).SelectMany(c =>
        Enumerable.Range(0, 5).Select(q => $"m{c},{1e7 * (c + 1)},{1e9 * (c + 2)},t,{q},{samples},{(q + c) % samples}\n")));

    [Fact]
    public void FitT2_TooFewCheckpoints_IsAnInputError()
    {
        var r = CliRun.Of("fit", "t2", "--data", Write("few.csv", Header + Rows(3)), "--out", P("f.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("at least 7", r.Err);
        Assert.False(File.Exists(P("f.json")));
    }

    [Fact]
    public void FitT2_KBeyondSamples_IsAnInputError()
    {
        var r = CliRun.Of("fit", "t2", "--data", Write("k.csv", Header + Rows(9)), "--out", P("f.json"), "--k-grid", "1,32");
        Assert.Equal(2, r.Code);
        Assert.Contains("k = 32 exceeds", r.Err);
    }

    [Fact]
    public void FitT2_EvidenceWithoutD_IsAnInputError()
    {
        var r = CliRun.Of("fit", "t2", "--data", Write("nod.csv", "checkpoint,params,task,question,nll\nm,1e7,t,1,2.0\n"), "--out", P("f.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("nod.csv", r.Err);
        Assert.Contains("no D column", r.Err);
        var r2 = CliRun.Of("fit", "t2", "--data", Write("non.csv", "checkpoint,tokens,task,question,nll\nm,1e9,t,1,2.0\n"), "--out", P("f.json"));
        Assert.Equal(2, r2.Code);
        Assert.Contains("N (parameters)", r2.Err);
    }

    [Fact]
    public void FitT2_InconsistentCheckpointN_NamesTheLine()
    {
        var r = CliRun.Of("fit", "t2", "--data", Write("bad.csv", Header + "m,1e7,1e9,t,1,10,1\nm,2e7,1e9,t,2,10,1\n"), "--out", P("f.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("bad.csv:3", r.Err);
    }

    [Fact]
    public void PlanAndPredict_RejectAFitFileOfAnotherSchema()
    {
        var f = Write("old.json", "{\"schema\": 99, \"tasks\": []}");
        var r = CliRun.Of("plan", "--fit", f, "--c-train", "1e21", "--c-inf", "1e11");
        Assert.Equal(2, r.Code);
        Assert.Contains("schema 99", r.Err);
        Assert.Equal(2, CliRun.Of("predict", "--fit", Write("junk.json", "not json"), "--n", "1", "--d", "1", "--k", "1").Code);
    }
}

public class T2CliNonConvergenceTests
{
    [Fact]
    public void FitT2_WhereNoStartConverges_SaysSo_AndExitsOne()
    {
        var dir = Directory.CreateTempSubdirectory("t2-nc-").FullName;
        try
        {
            var gsm = RepoData.PathOf("pass_at_k/pythia_checkpoints_gsm8k_per_problem.csv");
            var r = CliRun.Of("fit", "t2", "--data", gsm, "--n-col", "N_params_non_embedding", "--d-col", "D_tokens_seen", "--checkpoint-col", "model_nickname",
                "--approach", "1", "--max-iterations", "1", "--out", Path.Combine(dir, "f.json"));
            Assert.Equal(1, r.Code);
            Assert.Contains("no start converged", r.Err);
            Assert.True(File.Exists(Path.Combine(dir, "f.json")), "the diagnostics are still written");
        }
        finally { Directory.Delete(dir, true); }
    }
}
