using System.Text.Json;
using T2.Testbed.Ladder;
using T2.Tests.Cli;

namespace T2.Tests.Testbed;

/// <summary>The tiny ladder with every checkpoint post-trained (FT and SFT, one short epoch), once, then validated per variant.</summary>
public sealed class PostTrainLadderFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("t2-ptl-").FullName;
    public string Ladd => Path.Combine(Dir, "ladder");
    public string SpecPath { get; }
    public CliRun Ladder { get; }
    public CliRun Again { get; }
    public CliRun Validate { get; }
    public string EvidenceFtBefore { get; }

    public PostTrainLadderFixture()
    {
        SpecPath = Path.Combine(Dir, "tiny.json");
        // With four repeated-data runs (1 to 64 epochs of one shape's corpus) for the data wall.
        File.WriteAllText(SpecPath, (TinyLadder.Spec with
        {
            Finetune = new LadderFinetune { Epochs = 1, TrainQuestions = 20 },
            Repeated = [.. new[] { 1, 4, 16, 64 }.Select(e => new RepeatedRun($"e{e}", new Shape(16, 1, 1), 196_608, 196_608 / e))],
        }).ToJson());
        Ladder = CliRun.Of("testbed", "ladder", "--spec", SpecPath, "--out", Ladd, "--post-train", "ft,sft");
        EvidenceFtBefore = File.Exists(LadderRunner.EvidencePath(Ladd, "ft")) ? File.ReadAllText(LadderRunner.EvidencePath(Ladd, "ft")) : "";
        Again = CliRun.Of("testbed", "ladder", "--spec", SpecPath, "--out", Ladd, "--json");
        Validate = CliRun.Of("validate", "--ladder", Ladd, "--starts", "200");
        Wall = CliRun.Of("fit", "data-wall", "--fit", Path.Combine(Ladd, "fit.json"), "--data", LadderRunner.RepeatedEvidencePath(Ladd), "--out", WallPath);
    }

    public string WallPath => Path.Combine(Dir, "wall.json");
    public CliRun Wall { get; }

    public void Dispose() => Directory.Delete(Dir, true);
}

[Trait("Category", "Slow")]
public class PostTrainLadderTests(PostTrainLadderFixture f) : IClassFixture<PostTrainLadderFixture>
{
    [Fact]
    public void EveryCheckpoint_IsPostTrained_WithAVariantColumn_AndTheSameSteps()
    {
        Assert.True(f.Ladder.Code == 0, f.Ladder.Err);
        var base0 = File.ReadAllLines(LadderRunner.EvidencePath(f.Ladd)).Skip(1).ToList();
        foreach (var v in new[] { "ft", "sft" })
        {
            var lines = File.ReadAllLines(LadderRunner.EvidencePath(f.Ladd, v));
            Assert.Contains(",variant,task,", lines[0]);
            Assert.Equal(base0.Count, lines.Length - 1);                       // every run × question, once
            Assert.All(lines.Skip(1), l => Assert.Contains($",{v},", l));
            // D stays the pretraining tokens: the same (checkpoint, N, D) as the base rows.
            Assert.Equal(base0.Select(l => string.Join(',', l.Split(',')[..9])).Distinct(), lines.Skip(1).Select(l => string.Join(',', l.Split(',')[..9])).Distinct());
        }
        var post = File.ReadAllLines(LadderRunner.PostTrainingPath(f.Ladd)).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2 * base0.Select(l => l.Split(',')[0]).Distinct().Count() * 4, post.Count);   // runs × variants × families
        Assert.Single(post.Select(p => p[8]).Distinct());                                            // the same steps for every checkpoint
        // Post-training lowered the evaluation answer NLL on average (the split teaches the question format).
        Assert.True(post.Average(p => double.Parse(p[6]) - double.Parse(p[7])) > 0);
    }

    [Fact]
    public void ARerun_TrainsAndPostTrainsNothing_AndKeepsTheEvidence()
    {
        Assert.Equal(0, f.Again.Code);
        Assert.Equal(f.EvidenceFtBefore, File.ReadAllText(LadderRunner.EvidencePath(f.Ladd, "ft")));
        Assert.Equal(0, JsonDocument.Parse(f.Again.Out).RootElement.GetProperty("trained").GetInt32());
    }

    [Fact]
    public void Validate_ReportsEachVariant_WithFrontierAndFineTuningGain()
    {
        Assert.True(f.Validate.Code == 0, f.Validate.Err);
        foreach (var v in new[] { "base", "ft", "sft" })
        {
            using var d = JsonDocument.Parse(File.ReadAllText(T2.Cli.Commands.ValidateCommand.ValidationPath(f.Ladd, v)));
            var r = d.RootElement;
            Assert.Equal(v, r.GetProperty("variant").GetString());
            Assert.True(r.GetProperty("table1").GetArrayLength() > 0);
            Assert.Contains(r.GetProperty("frontier").EnumerateArray(), x => x.GetProperty("task").GetString() == "macro");
            Assert.Equal(v != "base", r.TryGetProperty("post_training", out var pt));
            if (v != "base")
            {
                Assert.Equal(4, pt.GetProperty("by_family").GetArrayLength());
                Assert.True(pt.GetProperty("flops").GetDouble() > 0);
            }
        }
        Assert.Contains("after FT", f.Validate.Console);
        Assert.Contains("Spearman", f.Validate.Console);
        var fit = CliRun.Of("fit", "t2", "--data", LadderRunner.EvidencePath(f.Ladd, "sft"), "--approach", "1", "--where", "kind=isoflop", "--starts", "200", "--out", Path.Combine(f.Dir, "fit-sft.json"));
        Assert.True(fit.Code == 0, fit.Err);
    }

    [Fact]
    public void EvidenceAll_FitsEveryVariantSideBySide_AndPlansCountPostTraining()
    {
        Assert.True(f.Ladder.Code == 0, f.Ladder.Err);
        var all = File.ReadAllLines(LadderRunner.EvidenceAllPath(f.Ladd));
        int baseRows = File.ReadAllLines(LadderRunner.EvidencePath(f.Ladd)).Length - 1;
        Assert.EndsWith(",variant,task,question,nll,post_tokens", all[0]);
        Assert.Equal(3 * baseRows, all.Length - 1);
        var postTokens = File.ReadAllLines(LadderRunner.PostTrainingPath(f.Ladd)).Skip(1).Select(l => double.Parse(l.Split(',')[9])).Distinct().Single();
        Assert.All(all.Skip(1).Where(l => l.Contains(",base,")), l => Assert.EndsWith(",0", l));

        string fitPath = Path.Combine(f.Dir, "fit-all.json");
        var fit = CliRun.Of("fit", "t2", "--data", LadderRunner.EvidenceAllPath(f.Ladd), "--approach", "2", "--where", "kind=isoflop", "--out", fitPath);
        Assert.True(fit.Code is 0 or 1, fit.Err);
        using (var d = JsonDocument.Parse(File.ReadAllText(fitPath)))
        {
            var r = d.RootElement;
            Assert.Equal("base", r.GetProperty("variant").GetString());
            Assert.Equal(0, r.GetProperty("post_training_tokens").GetDouble());   // the base models had none
            var vs = r.GetProperty("variants").EnumerateArray().ToList();
            Assert.Equal(["ft", "sft"], vs.Select(v => v.GetProperty("variant").GetString()));
            Assert.All(vs, v => Assert.Equal(postTokens, v.GetProperty("post_training_tokens").GetDouble()));
        }
        Assert.Contains("variant sft", fit.Console);

        // Side by side by default; one with --variant; an unknown one names those there are.
        var plan = CliRun.Of("plan", "--fit", fitPath, "--c-train", "3e11", "--c-inf", "1e5", "--task", "macro", "--json");
        Assert.True(plan.Code == 0, plan.Err);
        var plans = JsonDocument.Parse(plan.Out).RootElement.GetProperty("plans").EnumerateArray().ToList();
        Assert.Equal(["base", "ft", "sft"], plans.Select(x => x.GetProperty("variant").GetString()));
        var ft = CliRun.Of("plan", "--fit", fitPath, "--c-train", "3e11", "--c-inf", "1e5", "--task", "macro", "--variant", "ft", "--count-post-training", "--json");
        Assert.True(ft.Code == 0, ft.Err);
        var p = JsonDocument.Parse(ft.Out).RootElement.GetProperty("plans")[0];
        Assert.Equal(postTokens, p.GetProperty("post_training_tokens_counted").GetDouble());
        Assert.Equal(3e11, 6 * p.GetProperty("N").GetDouble() * (p.GetProperty("D").GetDouble() + postTokens), 3e11 * 1e-9);
        var bad = CliRun.Of("plan", "--fit", fitPath, "--c-train", "3e11", "--c-inf", "1e5", "--variant", "rl");
        Assert.Equal(2, bad.Code);
        Assert.Contains("variants: base, ft, sft", bad.Err);

        var front = CliRun.Of("frontier", "--fit", fitPath, "--c-inf", "1e5", "--from", "3e10", "--to", "3e11", "--points", "3", "--task", "macro", "--out", Path.Combine(f.Dir, "front"));
        Assert.True(front.Code == 0, front.Err);
        var rows = File.ReadAllLines(Path.Combine(f.Dir, "front", "frontier.csv"));
        Assert.Equal(1 + 3 * 3 * 2, rows.Length);                                 // 3 variants × 3 budgets × (A2 + baseline)
        Assert.True(File.Exists(Path.Combine(f.Dir, "front", "sft", "macro", "frontier_tokens_per_param.svg")));

        string html = Path.Combine(f.Dir, "r.html");
        var rep = CliRun.Of("report", "--fit", fitPath, "--evidence", LadderRunner.EvidenceAllPath(f.Ladd), "--out", html);
        Assert.True(rep.Code == 0, rep.Err);
        Assert.Contains("id=\"variants\"", File.ReadAllText(html));
        var one = CliRun.Of("report", "--fit", fitPath, "--evidence", LadderRunner.EvidenceAllPath(f.Ladd), "--variant", "sft", "--out", html);
        Assert.True(one.Code == 0, one.Err);
        Assert.DoesNotContain("id=\"variants\"", File.ReadAllText(html));
    }

    [Fact]
    public void RepeatedRuns_HaveTheirOwnEvidence_AreNotPostTrained_AndFitTheDataWall()
    {
        Assert.True(f.Ladder.Code == 0, f.Ladder.Err);
        var rep = File.ReadAllLines(LadderRunner.RepeatedEvidencePath(f.Ladd));
        Assert.EndsWith(",nll,unique_tokens", rep[0]);
        var ids = rep.Skip(1).Select(l => l.Split(',')[0]).Distinct().ToList();
        Assert.Equal(4, ids.Count);
        Assert.All(ids, id => Assert.StartsWith("rep-", id));
        // Whole documents: each corpus holds at least the tokens asked for, and fewer than the run trains on (except 1 epoch).
        var u = rep.Skip(1).Select(l => l.Split(',')).GroupBy(x => x[0]).ToDictionary(g => g.Key, g => long.Parse(g.First()[^1]));
        Assert.True(u["rep-e64-d16l1h1-s1"] >= 196_608 / 64 && u["rep-e64-d16l1h1-s1"] < 196_608 / 16);
        Assert.DoesNotContain(File.ReadAllLines(LadderRunner.EvidencePath(f.Ladd)), l => l.StartsWith("rep-"));
        Assert.DoesNotContain(File.ReadAllLines(LadderRunner.PostTrainingPath(f.Ladd)), l => l.StartsWith("rep-"));
        // More epochs of a smaller corpus: the 64-epoch run's answers are no better than the 1-epoch run's.
        double Mean(string id) => rep.Skip(1).Select(l => l.Split(',')).Where(x => x[0] == id).Average(x => double.Parse(x[^2]));
        Assert.True(Mean("rep-e64-d16l1h1-s1") > Mean("rep-e1-d16l1h1-s1") - 0.05, $"{Mean("rep-e64-d16l1h1-s1")} vs {Mean("rep-e1-d16l1h1-s1")}");

        Assert.True(f.Wall.Code is 0 or 3, f.Wall.Err);
        using var d = JsonDocument.Parse(File.ReadAllText(f.WallPath));
        var tasks = d.RootElement.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(4, tasks.Count);
        foreach (var t in tasks)
        {
            Assert.True(t.GetProperty("muennighoff").GetProperty("params").GetProperty("r_star_d").GetDouble() > 0);
            Assert.True(t.GetProperty("penalty").GetProperty("params").GetProperty("lambda").GetDouble() >= 0);
            Assert.Equal("rep-e64-d16l1h1-s1", t.GetProperty("muennighoff").GetProperty("held_out").GetProperty("run").GetString());
            Assert.Equal(4, t.GetProperty("runs").GetArrayLength());
        }

        // Plans at the wall, beside the unlimited plan, with the fitted and with the published law.
        foreach (var extra in new[] { new[] { "--data-wall", f.WallPath }, new[] { "--data-wall", f.WallPath, "--wall-law", "penalty" }, Array.Empty<string>() })
        {
            var plan = CliRun.Of([.. new[] { "plan", "--fit", Path.Combine(f.Ladd, "fit.json"), "--c-train", "1e10", "--c-inf", "3e4", "--unique-tokens", "3e4", "--json" }, .. extra]);
            Assert.True(plan.Code == 0, plan.Err);
            foreach (var p in JsonDocument.Parse(plan.Out).RootElement.GetProperty("plans").EnumerateArray())
            {
                var w = p.GetProperty("data_wall");
                Assert.Equal(3e4, w.GetProperty("unique_tokens").GetDouble());
                Assert.Equal(extra.Length == 0, w.GetProperty("published_constants").GetBoolean());
                // Approach 1's NLL_k only rises with the loss terms, so the wall never helps it; Approach 2's Beta need not be
                // monotone in the loss (its concentration moves too), so its cost may have either sign.
                // (To the planner's refinement precision: at the search edge the two searches stop a few 1e−6 apart in N.)
                if (p.GetProperty("approach").GetString() == "1")
                    Assert.True(w.GetProperty("cost").GetDouble() >= -1e-6 * Math.Abs(w.GetProperty("unlimited_data").GetProperty("predicted").GetDouble()),
                    $"the wall never helps Approach 1: {p.GetProperty("task").GetString()} {string.Join(' ', extra)}: {w}");
                Assert.Equal(p.GetProperty("D").GetDouble() / 3e4, w.GetProperty("epochs").GetDouble(), 1e-9);
            }
        }
        // With a sampling policy: the wall revalues the policy; beside it the policy's own unlimited-data plan; caps still given.
        foreach (var policy in new[] { "--stop-on-success", "--adaptive-k" })
        {
            var both = CliRun.Of("plan", "--fit", Path.Combine(f.Ladd, "fit.json"), "--c-train", "1e10", "--c-inf", "3e4", "--unique-tokens", "3e4",
                "--data-wall", f.WallPath, policy, "--json");
            var alone = CliRun.Of("plan", "--fit", Path.Combine(f.Ladd, "fit.json"), "--c-train", "1e10", "--c-inf", "3e4", policy, "--json");
            Assert.True(both.Code == 0, both.Err);
            var bp = JsonDocument.Parse(both.Out).RootElement.GetProperty("plans").EnumerateArray().ToList();
            var ap = JsonDocument.Parse(alone.Out).RootElement.GetProperty("plans").EnumerateArray().ToList();
            Assert.Equal(ap.Count, bp.Count);
            for (int i = 0; i < bp.Count; i++)
            {
                Assert.Equal(ap[i].GetProperty("predicted").GetDouble(),
                    bp[i].GetProperty("data_wall").GetProperty("unlimited_data").GetProperty("predicted").GetDouble(), 9);
                if (policy == "--stop-on-success" && bp[i].GetProperty("task").GetString() != "macro")
                    Assert.True(bp[i].GetProperty("k_cap").GetDouble() >= bp[i].GetProperty("k").GetDouble() - 1e-9);
            }
        }
        var bad = CliRun.Of("plan", "--fit", Path.Combine(f.Ladd, "fit.json"), "--c-train", "1e10", "--c-inf", "3e4", "--unique-tokens", "3e4", "--wall-law", "penalty");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--data-wall", bad.Err);
        var notWall = CliRun.Of("plan", "--fit", Path.Combine(f.Ladd, "fit.json"), "--c-train", "1e10", "--c-inf", "3e4", "--unique-tokens", "3e4", "--data-wall", Path.Combine(f.Ladd, "fit.json"));
        Assert.Equal(2, notWall.Code);
        var noU = CliRun.Of("fit", "data-wall", "--fit", Path.Combine(f.Ladd, "fit.json"), "--data", LadderRunner.EvidencePath(f.Ladd), "--out", Path.Combine(f.Dir, "w2.json"));
        Assert.Equal(2, noU.Code);
        Assert.Contains("unique_tokens", noU.Err);
    }

    [Fact]
    public void AnUnknownVariant_IsASpecError_BeforeAnyTraining()
    {
        var r = CliRun.Of("testbed", "ladder", "--spec", f.SpecPath, "--out", Path.Combine(f.Dir, "other"), "--post-train", "rl");
        Assert.Equal(2, r.Code);
        Assert.Contains("post_train[0]", r.Err);
        Assert.False(Directory.Exists(Path.Combine(f.Dir, "other", "runs")));
        var v = CliRun.Of("validate", "--ladder", Path.Combine(f.Ladd), "--variant", "ft", "--out", Path.Combine(f.Dir, "v.json"));
        Assert.True(v.Code == 0, v.Err);
    }
}
