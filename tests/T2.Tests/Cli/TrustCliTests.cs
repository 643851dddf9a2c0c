using System.Text.Json;

namespace T2.Tests.Cli;

/// <summary>Trust, strictness, cross-validation, loss-law fit files and the option paths no other test runs, end to end.</summary>
public class TrustCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-trust-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string P(string name) => Path.Combine(_dir, name);
    private string Write(string name, string text) { File.WriteAllText(P(name), text); return P(name); }

    private static readonly string Epoch = RepoData.PathOf("epoch_chinchilla/chinchilla_fig4_points.csv");
    private static readonly string Porian = RepoData.PathOf("porian2024/isoflop_points.csv");

    // A synthetic count ladder from a known Beta world: 4 sizes × 3 token counts, 40 questions, 64 samples each.
    internal static string Ladder(int sizes = 4)
    {
        var sb = new System.Text.StringBuilder("checkpoint,params,tokens,task,question,num_samples,num_correct\n");
        var rng = new Random(5);
        for (int i = 0; i < sizes; i++)
            foreach (var r in new[] { 10.0, 40, 160 })
            {
                double n = 1e6 * Math.Pow(3, i), d = n * r, loss = 1.5 + 300 / Math.Pow(n, 0.35) + 900 / Math.Pow(d, 0.3);
                double mean = 1 / (1 + Math.Exp(3 * (loss - 3.2)));
                for (int q = 0; q < 40; q++)
                {
                    double p = Math.Clamp(mean * (0.2 + 1.6 * q / 39.0), 0, 1);
                    int c = 0; for (int s = 0; s < 64; s++) if (rng.NextDouble() < p) c++;
                    sb.Append($"m{i}_{r},{n},{d},t,{q},64,{c}\n");
                }
            }
        return sb.ToString();
    }

    [Fact]
    public void FitLoss_OutThenPlanAndPredict_CarryIntervalsAndTrust()
    {
        var fit = P("loss.json");
        var r = CliRun.Of("fit", "loss", "--data", Epoch, "--where", "used_in_epoch_fit=1", "--bootstrap", "40", "--out", fit, "--grid", "random:300");
        Assert.Equal(0, r.Code);
        using (var doc = JsonDocument.Parse(File.ReadAllText(fit)))
        {
            var root = doc.RootElement;
            Assert.Equal("loss", root.GetProperty("kind").GetString());
            Assert.Equal(64, root.GetProperty("data").GetProperty("sha256").GetString()!.Length);
            Assert.Equal(40, root.GetProperty("bootstrap").GetProperty("replicates").GetArrayLength());
            Assert.True(root.GetProperty("range").GetProperty("n_max").GetDouble() > 1e10);
            Assert.Equal(JsonValueKind.Array, root.GetProperty("health").ValueKind);
            Assert.Equal("random:300", root.GetProperty("options").GetProperty("grid").GetString());
        }
        var plan = CliRun.Of("plan", "--fit", fit, "--c-train", "1e21,1e25", "--json");
        Assert.Equal(0, plan.Code);
        using (var doc = JsonDocument.Parse(plan.Out))
        {
            var plans = doc.RootElement.GetProperty("plans").EnumerateArray().ToList();
            Assert.Equal(2, plans.Count);
            double n = plans[0].GetProperty("N").GetDouble();
            var iv = plans[0].GetProperty("intervals").GetProperty("N");
            Assert.True(iv[0].GetDouble() <= n && n <= iv[1].GetDouble(), "the estimate lies inside its bootstrap interval");
            // 1e25 is far beyond the Chinchilla ladder: the trust says by how much.
            var ex = plans[1].GetProperty("trust").GetProperty("extrapolation");
            Assert.True(ex.GetProperty("N").GetDouble() > 5);
            Assert.Contains("beyond the fitted data", plans[1].GetProperty("trust").GetProperty("verdict").GetString());
            Assert.Equal(1, plans[0].GetProperty("trust").GetProperty("extrapolation").GetProperty("k").GetDouble());
        }
        var pred = CliRun.Of("predict", "--fit", fit, "--n", "1e9", "--d", "2e10", "--json");
        Assert.Equal(0, pred.Code);
        using (var doc = JsonDocument.Parse(pred.Out))
        {
            var row = doc.RootElement[0];
            Assert.InRange(row.GetProperty("loss").GetDouble(), 2, 3);
            Assert.Equal(1, row.GetProperty("trust").GetProperty("extrapolation").GetProperty("N").GetDouble());
        }
        Assert.Equal(2, CliRun.Of("predict", "--fit", fit, "--n", "1e9", "--d", "2e10", "--k", "4").Code); // a loss law has no k
        Assert.Equal(2, CliRun.Of("plan", "--fit", fit, "--c-train", "1e21", "--level", "1.5").Code);
    }

    [Fact]
    public void FitLoss_OnOneIsoFlopSlice_IsFlagged_AndStrictExitsThree()
    {
        string[] slice = ["--where", "flops_budget=1.25e16", "--where", "dataset=rw", "--where", "hparams=base", "--where", "warmup=long",
            "--where", "param_count=standard", "--where", "val=val"];
        var r = CliRun.Of([.. new[] { "fit", "loss", "--data", Porian }, .. slice, "--compute", "1e23", "--json", "--grid", "random:400"]);
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var codes = doc.RootElement.GetProperty("health").EnumerateArray().Select(f => f.GetProperty("code").GetString()).ToList();
        Assert.Contains("single_budget", codes);
        Assert.Contains("few_observations", codes);
        var trust = doc.RootElement.GetProperty("compute_optimal")[0].GetProperty("trust");
        Assert.True(trust.GetProperty("extrapolation").GetProperty("D").GetDouble() > 1e3);
        Assert.Equal("warn", trust.GetProperty("severity").GetString());
        var strict = CliRun.Of([.. new[] { "fit", "loss", "--data", Porian }, .. slice, "--grid", "random:400", "--strict"]);
        Assert.Equal(3, strict.Code);
    }

    [Fact]
    public void ValidatedNumbers_ThatDoNotParse_AreUsageErrors_NotStackTraces()
    {
        // Every option with a validator, given text that is not a number: System.CommandLine throws from inside the parse
        // when a validator reads such a value; t2 must still answer with exit 2 and one located line.
        string fit = P("missing.json");
        foreach (var args in new[]
        {
            new[] { "plan", "--fit", fit, "--c-train", "1e21", "--c-inf", "1e11", "--level", "abc" },
            ["plan", "--fit", fit, "--c-train", "1e21", "--c-inf", "1e11", "--unique-tokens", "lots"],
            ["plan", "--fit", fit, "--c-train", "1e21", "--c-inf", "1e11", "--post-training-tokens", "1e5x"],
            ["frontier", "--fit", fit, "--c-inf", "1e11", "--out", P("fr"), "--points", "ten"],
            ["frontier", "--fit", fit, "--c-inf", "1e11", "--out", P("fr"), "--level", "0.9.1"],
            ["fit", "loss", "--data", Epoch, "--delta", "small"],
            ["fit", "loss", "--data", Epoch, "--bootstrap", "many"],
            ["fit", "t2", "--data", Epoch, "--out", P("f.json"), "--starts", "x"],
            ["fit", "t2", "--data", Epoch, "--out", P("f.json"), "--max-iterations", "1.5"],
            ["fit", "t2", "--data", Epoch, "--out", P("f.json"), "--holdout-largest", "two"],
            ["testbed", "ladder", "--spec", "quick", "--out", P("lad"), "--parallel", "all"],
            ["passk", "--data", Epoch, "--k", "1,x"],
            ["plan", "--fit", fit, "--c-train", "1e21", "--c-inf", "2,5e5"],  // a decimal comma: not 25e5, silently
        })
        {
            var r = CliRun.Of(args);
            Assert.True(r.Code == 2, $"{string.Join(' ', args)}: exit {r.Code}: {r.Err}");
            Assert.StartsWith("t2: ", r.Err);
            Assert.DoesNotContain("   at ", r.Err);
            Assert.Contains(args[^2], r.Err);                                  // the line names the option
        }
        Assert.False(Directory.Exists(P("lad")));                             // nothing started
        Assert.Contains("with a point", CliRun.Of("plan", "--fit", fit, "--c-train", "1e21", "--c-inf", "2,5e5").Err);
    }

    [Fact]
    public void FitLoss_CvSizes_GivesOneFoldPerSize_AndReportsImpossibleFolds()
    {
        var r = CliRun.Of("fit", "loss", "--data", Epoch, "--where", "used_in_epoch_fit=1", "--grid", "random:60", "--cv", "sizes", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var cv = doc.RootElement.GetProperty("cv");
        int sizes = RepoData.Rows("epoch_chinchilla/chinchilla_fig4_points.csv").Where(x => x["used_in_epoch_fit"] == "1").Select(x => x["N_params"]).Distinct().Count();
        Assert.Equal(sizes, cv.GetProperty("folds").GetArrayLength());
        Assert.True(cv.GetProperty("seconds").GetDouble() >= 0);
        // Leaving out all but two sizes cannot be fitted: impossible, not a 3,754,151 % error.
        var ladder = Write("l.csv", Ladder());
        var t = CliRun.Of("fit", "t2", "--data", ladder, "--out", P("f.json"), "--approach", "2", "--cv", "largest:2", "--json");
        Assert.Equal(0, t.Code);
        using var td = JsonDocument.Parse(t.Out);
        var folds = td.RootElement.GetProperty("tasks")[0].GetProperty("cv").GetProperty("approach2").GetProperty("folds").EnumerateArray().ToList();
        Assert.Equal(2, folds.Count);
        Assert.All(folds, f => Assert.Contains("model size(s) left", f.GetProperty("impossible").GetString()));
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void Plan_PathsNoOtherTestRuns_IntegerK_CTotal_Level_BootstrapIntervals_Plots_Huber_Jeffreys()
    {
        var ladder = Write("l.csv", Ladder());
        var fit = P("f.json");
        var r = CliRun.Of("fit", "t2", "--data", ladder, "--out", fit, "--stage1", "huber", "--target", "jeffreys", "--bootstrap", "6",
            "--plots", P("plots"), "--starts", "200");
        Assert.Equal(0, r.Code);
        Assert.True(File.Exists(P("plots/t_approach2_isoflop.png")));
        using (var doc = JsonDocument.Parse(File.ReadAllText(fit)))
        {
            var task = doc.RootElement.GetProperty("tasks")[0];
            Assert.StartsWith("huber", task.GetProperty("approach2").GetProperty("stage1").GetProperty("method").GetString());
            Assert.Contains("Jeffreys", task.GetProperty("target").GetString());
        }
        // Integer k with a budget too small for one sample of the Chinchilla model: raised to 1, and the overspend is stated.
        var pj = CliRun.Of("plan", "--fit", fit, "--c-train", "1e17", "--c-inf", "3e5", "--integer-k", "--json", "--level", "0.8");
        Assert.Equal(0, pj.Code);
        using (var doc = JsonDocument.Parse(pj.Out))
            foreach (var p in doc.RootElement.GetProperty("plans").EnumerateArray())
            {
                Assert.Equal(Math.Floor(p.GetProperty("k").GetDouble()), p.GetProperty("k").GetDouble());
                var c = p.GetProperty("chinchilla");
                var ct = c.GetProperty("trust");
                double rawK = 3e5 / (2 * c.GetProperty("N").GetDouble());
                Assert.Equal(rawK < 1, ct.GetProperty("k_below_one").GetBoolean());
                Assert.Equal(2 * c.GetProperty("N").GetDouble() * c.GetProperty("k").GetDouble() / 3e5, ct.GetProperty("inference_budget_factor").GetDouble(), 1e-9);
                Assert.True(p.TryGetProperty("intervals", out var iv) && iv.GetProperty("replicates").GetInt32() > 0);
            }
        var tot = CliRun.Of("plan", "--fit", fit, "--c-total", "1e18", "--queries", "1e4", "--tokens-per-query", "10", "--json");
        Assert.Equal(0, tot.Code);
        using (var doc = JsonDocument.Parse(tot.Out))
            foreach (var p in doc.RootElement.GetProperty("plans").EnumerateArray())
            {
                double n = p.GetProperty("N").GetDouble(), d = p.GetProperty("D").GetDouble(), k = p.GetProperty("k").GetDouble();
                Assert.True(6 * n * d + 1e4 * 10 * 2 * n * k <= 1e18 * (1 + 1e-9));
            }
        Assert.Equal(2, CliRun.Of("plan", "--fit", fit, "--c-train", "1e17", "--c-inf", "3e5", "--level", "0").Code);
        Assert.Equal(2, CliRun.Of("plan", "--fit", fit, "--c-train", "1e308", "--c-inf", "3e5").Code);
        Assert.Equal(2, CliRun.Of("predict", "--fit", fit, "--n", "1e6", "--d", "1e8", "--k", "0.5").Code);
        Assert.Equal(2, CliRun.Of("predict", "--fit", fit, "--n", "1e308", "--d", "1e8", "--k", "2").Code);
        var pr = CliRun.Of("predict", "--fit", fit, "--n", "1e6", "--d", "1e8", "--k", "2", "--json");
        using (var doc = JsonDocument.Parse(pr.Out))
            Assert.True(doc.RootElement[0].TryGetProperty("trust", out _));
    }

    [Fact]
    public void BadPaths_AreLocatedErrors_NeverInternal()
    {
        var ladder = Write("l.csv", Ladder());
        var link = P("dangling.csv");
        File.CreateSymbolicLink(link, P("nowhere.csv"));
        var r1 = CliRun.Of("fit", "t2", "--data", link, "--out", P("f.json"));
        Assert.Equal(2, r1.Code); Assert.Contains("does not exist", r1.Err);
        var r2 = CliRun.Of("fit", "t2", "--data", _dir, "--out", P("f.json"));
        Assert.Equal(2, r2.Code); Assert.Contains("is a directory", r2.Err);
        Directory.CreateDirectory(P("outdir"));
        var r3 = CliRun.Of("fit", "t2", "--data", ladder, "--out", P("outdir"), "--approach", "2");
        Assert.Equal(2, r3.Code); Assert.Contains("is a directory", r3.Err);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
        var file = Write("plots-file", "x");
        var r4 = CliRun.Of("fit", "t2", "--data", ladder, "--out", P("g.json"), "--plots", file, "--approach", "2");
        Assert.Equal(2, r4.Code); Assert.False(File.Exists(P("g.json")), "fails before the fit file is written");
        Assert.Equal(0, CliRun.Of("fit", "t2", "--data", ladder, "--out", P("f.json"), "--approach", "2").Code);
        var r5 = CliRun.Of("frontier", "--fit", P("f.json"), "--c-inf", "1e6", "--out", file);
        Assert.Equal(2, r5.Code);
        Assert.Equal(2, CliRun.Of("frontier", "--fit", P("f.json"), "--c-inf", "1e6", "--out", P("fr"), "--points", "1000000000").Code);
        foreach (var (name, text, what) in new[]
        {
            ("notasks.json", "{\"schema\": 2, \"kind\": \"t2\", \"tool\": \"t2\", \"created\": \"x\", \"options\": {}, \"tasks\": []}", "no tasks"),
            ("nokind.json", "{\"schema\": 2, \"tasks\": []}", "kind"),
        })
        {
            var r = CliRun.Of("plan", "--fit", Write(name, text), "--c-train", "1e20", "--c-inf", "1e6");
            Assert.Equal(2, r.Code); Assert.Contains(what, r.Err);
        }
        // A parameter removed or absurd in a real fit file: a located error naming the field.
        var good = File.ReadAllText(P("f.json"));
        var missing = Write("missing.json", good.Replace("\"theta1\":", "\"thetaX\":"));
        var m = CliRun.Of("plan", "--fit", missing, "--c-train", "1e20", "--c-inf", "1e6");
        Assert.Equal(2, m.Code); Assert.Contains("theta1", m.Err);
        var doc = System.Text.Json.Nodes.JsonNode.Parse(good)!;
        doc["tasks"]![0]!["approach2"]!["stage1"]!["params"]!["alpha"] = 1e308;
        var absurd = Write("absurd.json", doc.ToJsonString());
        var a = CliRun.Of("plan", "--fit", absurd, "--c-train", "1e20", "--c-inf", "1e6");
        Assert.Equal(2, a.Code); Assert.Contains("alpha", a.Err);
        Assert.DoesNotContain("internal error", r1.Err + r2.Err + r3.Err + r4.Err + r5.Err + m.Err + a.Err);
    }

    [Fact]
    public void Where_BlankCells_NeverMatchANumericComparison()
    {
        var f = Write("w.csv", "N,D,loss,flag\n" + string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{1e6 * (i + 1)},{2e7 * (i + 1) * (1 + i % 3)},{3 + 1.0 / (i + 1)},{(i < 2 ? "" : i < 4 ? "x" : "2")}")));
        var a = CliRun.Of("fit", "loss", "--data", f, "--where", "flag!=3", "--grid", "random:20", "--json");
        Assert.Equal(0, a.Code);
        using var doc = JsonDocument.Parse(a.Out);
        Assert.Equal(6, doc.RootElement.GetProperty("data").GetProperty("points").GetInt32()); // blanks and text excluded
        Assert.Equal(0, CliRun.Of("fit", "loss", "--data", f, "--where", "flag>=1", "--grid", "random:20", "--json").Code);
        // An absurd N in the data is an input error naming its line, not a fit.
        var huge = Write("huge.csv", "N,D,loss\n1e308,1e9,3\n1e7,1e9,3\n1e8,1e9,3\n1e9,2e9,3\n2e9,3e9,3\n3e9,4e9,3\n");
        var h = CliRun.Of("fit", "loss", "--data", huge);
        Assert.Equal(2, h.Code);
        Assert.Contains("huge.csv:2", h.Err);
    }
}
