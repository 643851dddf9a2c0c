using System.Text.Json;
using T2.Testbed.Ladder;
using T2.Testbed.World;
using T2.Tests.Cli;

namespace T2.Tests.Testbed;

/// <summary>A tiny ladder (seconds to train): the quick preset's world with few questions, small shapes and budgets.</summary>
public static class TinyLadder
{
    public static LadderSpec Spec => LadderPresets.Quick with
    {
        Name = "tiny",
        World = LadderPresets.Quick.World with { QuestionsPerFamily = 20 },
        Shapes = [new(16, 1, 1), new(16, 2, 1), new(32, 1, 2), new(32, 2, 2), new(48, 1, 3)],
        Budgets = [4e9, 1e10],
        Isoflop = new IsoFlopRule { MinTokensPerParam = 0.5, MaxTokensPerParam = 300, MinSizes = 4 },
        // Cheap enough to train within the largest budget (Table 1 compares runs that cost no more than it).
        Overtrained = [new(new Shape(16, 1, 1), 30), new(new Shape(16, 2, 1), 15)],
        Train = LadderPresets.Quick.Train with { CheckpointSeconds = 0 },
        Eval = new LadderEval { SampleN = 8 },
        Parallel = 2,
    };
}

/// <summary>Ladder, validate, report and demo on the tiny ladder, once (about a minute), shared by the tests below.</summary>
public sealed class TinyLadderFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("t2-ladder-").FullName;
    public string SpecPath { get; }
    public CliRun Ladder { get; }
    public CliRun Validate1 { get; }
    public CliRun Extra { get; }
    public CliRun Validate2 { get; }
    public CliRun Report { get; }
    public string Ladd => Path.Combine(Dir, "ladder");

    public TinyLadderFixture()
    {
        SpecPath = Path.Combine(Dir, "tiny.json");
        File.WriteAllText(SpecPath, TinyLadder.Spec.ToJson());
        Ladder = CliRun.Of("testbed", "ladder", "--spec", SpecPath, "--out", Ladd);
        Validate1 = CliRun.Of("validate", "--ladder", Ladd, "--starts", "200");
        Extra = CliRun.Of("testbed", "ladder", "--spec", SpecPath, "--out", Ladd, "--extra-from", Path.Combine(Ladd, "plan.json"));
        Validate2 = CliRun.Of("validate", "--ladder", Ladd, "--starts", "200");
        Report = CliRun.Of("report", "--fit", Path.Combine(Ladd, "fit.json"), "--evidence", Path.Combine(Ladd, "evidence.csv"),
            "--validation", Path.Combine(Ladd, "validation.json"), "--out", Path.Combine(Dir, "report.html"));
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

[CollectionDefinition("tiny ladder")]
public sealed class TinyLadderCollection : ICollectionFixture<TinyLadderFixture>;

[Collection("tiny ladder")]
[Trait("Category", "Slow")]
public class LadderTests(TinyLadderFixture f)
{
    [Fact]
    public void Ladder_TrainsEveryPoint_AndWritesEvidenceWithEveryFamily()
    {
        Assert.True(f.Ladder.Code == 0, f.Ladder.Err + f.Ladder.Console);
        var plan = LadderPlan.Expand(TinyLadder.Spec);
        var lines = File.ReadAllLines(Path.Combine(f.Ladd, "evidence.csv"));
        Assert.Equal(LadderRunner.EvidenceHeader, lines[0]);
        // Every run once per question (4 families × 20), plus the four planned runs (two models × two seeds) and Table 1's
        // pair retrained with two more seeds.
        Assert.Equal((plan.Runs.Count + 4 + 4) * 80, lines.Length - 1);
        foreach (var fam in SyntheticWorld.Families) Assert.Contains(lines, l => l.Contains($",{fam},{fam}-", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(f.Ladd, "samples.csv")));
        // N counts every parameter: the CSV's N_params equals the layout's full count.
        var first = plan.Runs[0];
        Assert.Contains(lines, l => l.StartsWith(first.Id + ",", StringComparison.Ordinal) && l.Contains($",{first.N},", StringComparison.Ordinal));
    }

    [Fact]
    public void Rerun_SkipsFinishedRuns()
    {
        var r = CliRun.Of("testbed", "ladder", "--spec", f.SpecPath, "--out", f.Ladd, "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(0, doc.RootElement.GetProperty("trained").GetInt32());
        Assert.Equal(doc.RootElement.GetProperty("runs").GetInt32(), doc.RootElement.GetProperty("skipped").GetInt32());
    }

    [Fact]
    public void Validate_WritesRq2Table1Rq1_WithTheDocumentedFields_AndMeasuresThePlannedModelsWithTwoSeeds()
    {
        Assert.True(f.Validate1.Code == 0, f.Validate1.Err);
        Assert.True(f.Validate2.Code == 0, f.Validate2.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(f.Ladd, "validation.json")));
        var root = doc.RootElement;
        var rq2 = root.GetProperty("rq2").EnumerateArray().ToList();
        Assert.Contains(rq2, x => x.GetProperty("task").GetString() == "macro" && x.GetProperty("approach").GetString() == "2");
        foreach (var x in rq2) foreach (var k in new[] { "task", "approach", "relative_error", "signed_relative_error", "runs" }) Assert.True(x.TryGetProperty(k, out _), k);
        var t1 = root.GetProperty("table1").EnumerateArray().ToList();
        Assert.Equal(5, t1.Count); // four families and the macro
        foreach (var x in t1)
        {
            foreach (var side in new[] { "overtrained", "chinchilla" })
                foreach (var k in new[] { "N", "D", "k", "pass_at_k" }) Assert.True(x.GetProperty(side).TryGetProperty(k, out _), side + "." + k);
            // k = C_inf/2N for each side, exactly.
            double cInf = x.GetProperty("c_inf").GetDouble();
            var o = x.GetProperty("overtrained");
            Assert.Equal(Math.Max(1, cInf / (2 * o.GetProperty("N").GetDouble())), o.GetProperty("k").GetDouble(), 9);
            Assert.Equal(o.GetProperty("pass_at_k").GetDouble() / x.GetProperty("chinchilla").GetProperty("pass_at_k").GetDouble(), x.GetProperty("ratio").GetDouble(), 9);
        }
        // Table 1's macro pair, retrained with seeds 2 and 3: pass@k per seed (the ladder's seed 1 first, equal to the
        // row's), each copy the same N and D as its ladder run, and the ratio of the seed means.
        var m1 = t1.Single(x => x.GetProperty("task").GetString() == "macro");
        var means = new List<double>();
        foreach (var side in new[] { "overtrained", "chinchilla" })
        {
            var sd = m1.GetProperty(side);
            var seeds = sd.GetProperty("seeds").EnumerateArray().ToList();
            Assert.Equal(new[] { 1, 2, 3 }, seeds.Select(x => x.GetProperty("seed").GetInt32()));
            Assert.Equal(sd.GetProperty("pass_at_k").GetDouble(), seeds[0].GetProperty("pass_at_k").GetDouble(), 12);
            double mean = seeds.Average(x => x.GetProperty("pass_at_k").GetDouble());
            Assert.Equal(mean, sd.GetProperty("mean_pass_at_k").GetDouble(), 12);
            means.Add(mean);
            string label = T2.Core.Validation.LadderValidation.ReplicateLabel(sd.GetProperty("checkpoint").GetString()!);
            var copies = File.ReadAllLines(Path.Combine(f.Ladd, "evidence.csv")).Skip(1).Select(l => l.Split(','))
                .Where(c => c[2] == label).Select(c => (c[3], c[5], c[7])).Distinct().ToList();
            var own = File.ReadAllLines(Path.Combine(f.Ladd, "evidence.csv")).Skip(1).Select(l => l.Split(','))
                .First(c => c[0] == sd.GetProperty("checkpoint").GetString());
            Assert.Equal(new[] { ("2", own[5], own[7]), ("3", own[5], own[7]) }, copies); // seed, N, D
        }
        Assert.Equal(means[0] / means[1], m1.GetProperty("seed_mean_ratio").GetDouble(), 12);
        var rq1 = root.GetProperty("rq1").EnumerateArray().ToList();
        var macro = rq1.Single(x => x.GetProperty("task").GetString() == "macro" && x.GetProperty("approach").GetString() == "2");
        Assert.Equal(2, macro.GetProperty("measured").GetProperty("seeds").GetArrayLength());
        Assert.Equal(2, macro.GetProperty("chinchilla").GetProperty("seeds").GetArrayLength());
        foreach (var k in new[] { "N", "D", "k", "predicted" }) Assert.True(macro.GetProperty("planned").TryGetProperty(k, out _), k);
        // The guessing floor is stated per family.
        Assert.Equal(4, root.GetProperty("guess_floor").GetArrayLength());
    }

    [Fact]
    public void Report_IsOneSelfContainedFile()
    {
        Assert.True(f.Report.Code == 0, f.Report.Err);
        var html = File.ReadAllText(Path.Combine(f.Dir, "report.html"));
        foreach (var id in new[] { "provenance", "histograms", "parameters", "fit", "isoflop", "frontiers", "plan", "validation", "planner" })
            Assert.Contains($"<section id=\"{id}\"", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script src", html);
    }

    [Fact]
    public void FitT2_OnLadderEvidence_ReportsTheMacroAverage_AndPlanPlansIt()
    {
        var fit = Path.Combine(f.Ladd, "fit.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(fit));
        var macro = doc.RootElement.GetProperty("macro");
        Assert.Equal(4, macro.GetProperty("tasks").GetArrayLength());
        var r = CliRun.Of("plan", "--fit", fit, "--c-train", "1e10", "--c-inf", "1e5", "--json");
        Assert.Equal(0, r.Code);
        using var plans = JsonDocument.Parse(r.Out);
        Assert.Contains(plans.RootElement.GetProperty("plans").EnumerateArray(), p => p.GetProperty("task").GetString() == "macro");
    }
}

/// <summary>Spec errors are found before any training, and name their field.</summary>
public class LadderSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-spec-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private CliRun Run(string json)
    {
        var p = Path.Combine(_dir, "spec.json"); File.WriteAllText(p, json);
        return CliRun.Of("testbed", "ladder", "--spec", p, "--out", Path.Combine(_dir, "out"));
    }

    private static string Edit(Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(TinyLadder.Spec.ToJson())!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    [Theory]
    [InlineData("shapes[0].heads", "heads")]
    [InlineData("world.min_digits", "min_digits")]
    [InlineData("budgets", "admits")]
    [InlineData("world.unknown_family_knob", "unknown field")]
    [InlineData("train.sequence", "shorter than the longest question")]
    [InlineData("overtrained[0].tokens_per_param", "tokens_per_param")]
    public void BadSpecs_Exit2_NamingTheField_BeforeTraining(string field, string expect)
    {
        string json = field switch
        {
            "shapes[0].heads" => Edit(n => n["shapes"]![0]!["heads"] = 3),
            "world.min_digits" => Edit(n => n["world"]!["min_digits"] = 0),
            "budgets" => Edit(n => n["budgets"] = new System.Text.Json.Nodes.JsonArray(1e6)),
            "world.unknown_family_knob" => Edit(n => n["world"]!["unknown_family_knob"] = 3),
            "train.sequence" => Edit(n => n["train"]!["sequence"] = 8),
            _ => Edit(n => n["overtrained"]![0]!["tokens_per_param"] = -5),
        };
        var r = Run(json);
        Assert.Equal(2, r.Code);
        Assert.Contains(expect, r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "runs")), "nothing may be trained for a bad spec");
    }

    [Theory]
    [InlineData("replicates[0].tokens")]
    [InlineData("replicates[0].shape.heads")]
    [InlineData("replicates[0].seeds")]
    public void BadReplicatesInAPlanFile_Exit2_NamingTheField_BeforeTraining(string field)
    {
        var spec = Path.Combine(_dir, "spec.json"); File.WriteAllText(spec, TinyLadder.Spec.ToJson());
        string rep = field switch
        {
            "replicates[0].tokens" => "{\"label\":\"replicate-x\",\"shape\":{\"d_model\":16,\"layers\":1,\"heads\":1},\"tokens\":-3,\"seeds\":[2]}",
            "replicates[0].shape.heads" => "{\"label\":\"replicate-x\",\"shape\":{\"d_model\":16,\"layers\":1},\"tokens\":1000,\"seeds\":[2]}",
            _ => "{\"label\":\"replicate-x\",\"shape\":{\"d_model\":16,\"layers\":1,\"heads\":1},\"tokens\":1000,\"seeds\":[]}",
        };
        var plan = Path.Combine(_dir, "plan.json");
        File.WriteAllText(plan, "{\"plans\":[{\"task\":\"macro\",\"approach\":\"2\",\"c_train\":1e10,\"N\":8000,\"chinchilla\":{\"N\":12000}}],"
            + "\"replicates\":[" + rep + "]}");
        var r = CliRun.Of("testbed", "ladder", "--spec", spec, "--out", Path.Combine(_dir, "out"), "--extra-from", plan);
        Assert.Equal(2, r.Code);
        Assert.Contains(field, r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "runs")), "nothing may be trained for a bad plan file");
    }

    [Fact]
    public void ExtraRuns_CompareByValue_SeedsIncluded()
    {
        var shape = new Shape(16, 1, 1);
        Assert.Equal(new ExtraRun("a", shape, 5, [1, 2]), new ExtraRun("a", shape, 5, [1, 2]));
        Assert.Equal(new ExtraRun("a", shape, 5, [1, 2]).GetHashCode(), new ExtraRun("a", shape, 5, [1, 2]).GetHashCode());
        Assert.NotEqual(new ExtraRun("a", shape, 5, [1, 2]), new ExtraRun("a", shape, 5, [1, 3]));
        Assert.NotEqual(new ExtraRun("a", shape, 5), new ExtraRun("a", shape, 5, []));
        Assert.NotEqual(new ExtraRun("a", shape, 5), new ExtraRun("a", shape, 6));
    }

    [Fact]
    public void NotJson_AndUnknownPreset_AreLocatedErrors()
    {
        var r = Run("{ \"budgets\": [1e10, ");
        Assert.Equal(2, r.Code);
        Assert.Contains("spec.json", r.Err);
        var r2 = CliRun.Of("testbed", "ladder", "--spec", "nosuch", "--out", _dir);
        Assert.Equal(2, r2.Code);
        Assert.Contains("neither a preset", r2.Err);
    }

    [Fact]
    public void Presets_AreValid_AndFullHasTheRequiredShape()
    {
        LadderPresets.Quick.Validate("quick");
        var full = LadderPresets.Full;
        full.Validate("full");
        var plan = LadderPlan.Expand(full);
        Assert.True(full.Budgets.Count >= 8);
        Assert.True(full.Budgets.Max() / full.Budgets.Min() >= 100);
        Assert.True(plan.Runs.Count(r => r.Kind == RunKind.IsoFlop) >= 40);
        Assert.True(plan.Runs.Count(r => r.Kind == RunKind.Overtrained) >= 10);
        Assert.True(plan.Runs.Where(r => r.Kind == RunKind.Overtrained).Max(r => r.TokensPerParam) >= 1000);
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void KilledLadder_ResumesToEvidenceIdenticalToAnUninterruptedRun()
    {
        var spec = TinyLadder.Spec with { Budgets = [4e9], Overtrained = [new(new Shape(16, 1, 1), 60)], Eval = new LadderEval(), Isoflop = TinyLadder.Spec.Isoflop with { MinSizes = 3 } };
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        LadderRunner.Run(a, spec);
        // Kill b three times, each at a point the test can prove it reached: in the middle of a run (some of its tokens
        // trained, not yet finished), after the 1st, 2nd and 3rd finished runs. Cancellation lands between steps, as a
        // kill between checkpoints would; no clock and no randomness decide where.
        int runs = LadderPlan.Expand(spec).Runs.Count;
        Assert.True(runs >= 4, $"the spec has {runs} runs; the test needs 4");
        for (int finished = 1; finished <= 3; finished++)
        {
            using var cts = new CancellationTokenSource();
            double flopsAtLastFinish = -1; int lastDone = -1; bool killedMidRun = false;
            var progress = new T2.Cli.Commands.SyncProgress<LadderProgress>(p =>
            {
                if (p.RunsDone != lastDone) { lastDone = p.RunsDone; flopsAtLastFinish = p.FlopsDone; return; }
                if (p.RunsDone >= finished && p.Running.Count > 0 && p.FlopsDone > flopsAtLastFinish && !cts.IsCancellationRequested)
                {
                    killedMidRun = true;
                    cts.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => LadderRunner.Run(b, spec, progress, cts.Token));
            Assert.True(killedMidRun, $"kill {finished}: never reached a run in progress after {finished} finished runs");
            int done = Directory.GetFiles(b, "likelihood.csv", SearchOption.AllDirectories).Length;
            Assert.True(done >= finished && done < runs, $"kill {finished}: {done} of {runs} runs finished");
        }
        LadderRunner.Run(b, spec);
        Assert.Equal(File.ReadAllText(LadderRunner.EvidencePath(a)), File.ReadAllText(LadderRunner.EvidencePath(b)));
    }
}

/// <summary>The report in a real browser (Debian's chromium, driven by Playwright; .ci/run installs it).</summary>
[Collection("tiny ladder")]
[Trait("Category", "Slow")]
public class ReportBrowserTests(TinyLadderFixture f)
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>"0.0169 %" → 0.0169 (the planner's accuracy cell).</summary>
    private static double Percent(string cell) =>
        double.Parse(cell.Replace("%", "").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [SkippableFact]
    public async Task Report_LoadsWithoutConsoleErrors_HasNoEmptyPlot_AndTheSlidersChangeThePlan()
    {
        Requires.Program(File.Exists(Chromium), Chromium, "install Debian's chromium: apt-get install chromium, as .ci/run does");
        Assert.True(f.Report.Code == 0, f.Report.Err);
        using var pw = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        string shots = Environment.GetEnvironmentVariable("T2_SCREENSHOTS") ?? "";
        foreach (var (name, w, h) in new[] { ("phone", 390, 844), ("laptop", 1366, 900) })
        {
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = w, Height = h } });
            var errors = new List<string>();
            page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
            page.PageError += (_, e) => errors.Add(e);
            // T2_SCREENSHOT_REPORT=FILE checks (and pictures) another report, e.g. the demo's, the same way.
            string file = Environment.GetEnvironmentVariable("T2_SCREENSHOT_REPORT") ?? Path.Combine(f.Dir, "report.html");
            await page.GotoAsync(new Uri(Path.GetFullPath(file)).AbsoluteUri);
            Assert.Empty(errors);
            // Every chart draws something, and none says it had nothing to draw.
            int charts = await page.EvaluateAsync<int>("document.querySelectorAll('svg.chart').length");
            Assert.True(charts >= 10, $"{charts} charts");
            int empty = await page.EvaluateAsync<int>("[...document.querySelectorAll('svg.chart')].filter(s => !s.querySelector('polyline,circle,rect[fill-opacity],polygon') || s.querySelector('.empty')).length");
            Assert.Equal(0, empty);
            // The page fits the viewport's width (no sideways scrolling of the page itself).
            int overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
            string culprit = overflow <= 1 ? "" : await page.EvaluateAsync<string>(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)" +
                ".map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + (e.textContent || '').slice(0, 40)).slice(-3).join(' | ')");
            Assert.True(overflow <= 1, $"{name}: page is {overflow}px wider than the viewport ({culprit})");
            await ReportChecks.TablesInView(page, name);
            await ReportChecks.HeatmapLabels(page, name);
            await ReportChecks.ConvergedMatchesFindings(page);
            await ReportChecks.FrontierMarksKBelowOne(page);
            await ReportChecks.PlannerOpensOnThePlanTable(page, file == Path.Combine(f.Dir, "report.html") ? Path.Combine(f.Ladd, "validation.json") : null);
            await ReportChecks.EveryPlanHasItsTrustLine(page);
            await page.SelectOptionAsync("#pl-approach", "1"); // the checks below start from Approach 1 (it opens on the report's plan)
            // Moving a slider changes the plan shown.
            string before = await page.InnerTextAsync("#pl-out");
            await page.EvaluateAsync("() => { const s = document.getElementById('pl-ctrain'); s.value = s.max; s.dispatchEvent(new Event('input')); }");
            string after = await page.InnerTextAsync("#pl-out");
            Assert.NotEqual(before, after);
            await page.EvaluateAsync("() => { const s = document.getElementById('pl-cinf'); s.value = 0; s.dispatchEvent(new Event('input')); }");
            Assert.NotEqual(after, await page.InnerTextAsync("#pl-out"));
            // The data-wall option (U a tenth of the data's largest D) changes the plan at the largest training budget.
            await page.EvaluateAsync("() => { const s = document.getElementById('pl-cinf'); s.value = Math.floor(s.max / 2); s.dispatchEvent(new Event('input')); }");
            string paper = await page.InnerTextAsync("#pl-out");
            var options = await page.EvaluateAsync<string[]>("[...document.getElementById('pl-option').options].map(o => o.value)");
            Assert.Contains(options, v => v.StartsWith("wall", StringComparison.Ordinal));
            await page.SelectOptionAsync("#pl-option", options.First(v => v.StartsWith("wall", StringComparison.Ordinal)));
            Assert.NotEqual(paper, await page.InnerTextAsync("#pl-out"));
            await page.SelectOptionAsync("#pl-option", "split");
            Assert.Equal(paper, await page.InnerTextAsync("#pl-out"));
            // Stop at the first success is an option of Approach 2 (not of Approach 1), and it changes the plan.
            Assert.DoesNotContain("sos", options);
            Assert.DoesNotContain("ak", options);
            await page.SelectOptionAsync("#pl-approach", "2");
            Assert.Contains("sos", await page.EvaluateAsync<string[]>("[...document.getElementById('pl-option').options].map(o => o.value)"));
            // Somewhere on the grid (hard questions make the two agree to the digits shown) the policies differ.
            bool differs = false;
            for (int ci = 0; ci < 15 && !differs; ci += 2)
            {
                await page.EvaluateAsync($"() => {{ const s = document.getElementById('pl-cinf'); s.value = {ci}; s.dispatchEvent(new Event('input')); }}");
                await page.SelectOptionAsync("#pl-option", "split");
                string fixedK = await page.InnerTextAsync("#pl-out");
                await page.SelectOptionAsync("#pl-option", "sos");
                differs = fixedK != await page.InnerTextAsync("#pl-out");
            }
            Assert.True(differs, "stop-at-success never changed the Approach 2 plan");
            // Difficulty-aware k is an Approach 2 option too, and never plans below the paper's fixed k.
            Assert.Contains("ak", await page.EvaluateAsync<string[]>("[...document.getElementById('pl-option').options].map(o => o.value)"));
            await page.SelectOptionAsync("#pl-option", "split");
            string fixedAtCi = await page.InnerTextAsync("#pl-out");
            double fixedM = Percent(await page.InnerTextAsync("#pl-m"));
            await page.SelectOptionAsync("#pl-option", "ak");
            Assert.NotEqual(fixedAtCi, await page.InnerTextAsync("#pl-out"));
            // Fixed k is one allocation the difficulty-aware policy may choose, so its optimum is at least as good.
            Assert.True(Percent(await page.InnerTextAsync("#pl-m")) >= fixedM, "difficulty-aware k planned below fixed k");
            await page.SelectOptionAsync("#pl-option", "split");
            await page.SelectOptionAsync("#pl-approach", "1");
            // The end-to-end budget mode works too.
            await page.CheckAsync("input[value=total]");
            Assert.True(await page.IsVisibleAsync("#pl-ctotal"));
            Assert.False(string.IsNullOrWhiteSpace(await page.InnerTextAsync("#pl-trust")));
            Assert.Empty(errors);
            if (shots.Length > 0)
            {
                // One picture per section (its first 1,400 pixels), to look at each part at each size.
                Directory.CreateDirectory(shots);
                foreach (var id in new[] { "provenance", "histograms", "parameters", "fit", "isoflop", "frontiers", "plan", "validation", "planner" })
                {
                    var top = await page.EvaluateAsync<double>($"document.getElementById('{id}').getBoundingClientRect().top + window.scrollY");
                    var height = await page.EvaluateAsync<double>($"document.getElementById('{id}').getBoundingClientRect().height");
                    await page.ScreenshotAsync(new()
                    {
                        Path = Path.Combine(shots, $"report-{name}-{id}.png"), FullPage = true,
                        Clip = new() { X = 0, Y = (float)top, Width = w, Height = (float)Math.Min(1400, height) },
                    });
                    if (height > 1400)   // and the section's end, where the post-training tables sit
                        await page.ScreenshotAsync(new()
                        {
                            Path = Path.Combine(shots, $"report-{name}-{id}-end.png"), FullPage = true,
                            Clip = new() { X = 0, Y = (float)(top + height - 1400), Width = w, Height = 1400 },
                        });
                }
            }
            await page.CloseAsync();
        }
    }
}

/// <summary>
/// The quick preset's evidence (the demo's ladder, trained here: ≈ 4 minutes). Per family the spread T² needs: the best
/// checkpoint's mean single-sample success well above the worst's and above the guessing floor, few questions at p ≈ 1.
/// Arithmetic is not asserted: at this scale it stays at its guessing floor (docs/testbed-and-ladder.md, "Task families").
/// </summary>
[Trait("Category", "Slow")]
public class QuickPresetEvidenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-quick-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void QuickLadder_SpreadsSuccessAcrossCheckpoints_AboveTheGuessingFloor()
    {
        var spec = LadderPresets.Quick with { Eval = new LadderEval() }; // likelihood only: the spread is about p itself
        LadderRunner.Run(_dir, spec);
        var rows = File.ReadAllLines(LadderRunner.EvidencePath(_dir)).Skip(1).Select(l => l.Split(',')).ToList();
        var world = new SyntheticWorld(spec.WorldSeed, spec.World);
        foreach (var fam in new[] { "knowledge", "analogy", "spatial" })
        {
            var byCk = rows.Where(r => r[9] == fam).GroupBy(r => r[0]).Select(g => g.Select(r => Math.Exp(-double.Parse(r[11], System.Globalization.CultureInfo.InvariantCulture))).ToList()).ToList();
            double best = byCk.Max(p => p.Average()), worst = byCk.Min(p => p.Average());
            double floor = SyntheticWorld.GuessFloor(world.Questions().Where(q => q.Family == fam), 1);
            Assert.True(best > 10 * worst, $"{fam}: best mean p {best:G3} vs worst {worst:G3}");
            Assert.True(best > 20 * floor, $"{fam}: best mean p {best:G3} vs guessing floor {floor:G3}");
            double saturated = byCk.SelectMany(p => p).Count(p => p > 0.9) / (double)byCk.Sum(p => p.Count);
            Assert.True(saturated < 0.05, $"{fam}: {saturated:P1} of question×checkpoint pairs at p > 0.9");
        }
    }
}


/// <summary>What the ladder and validate print between the demo's stages (issue 21, item 6).</summary>
[Collection("tiny ladder")]
[Trait("Category", "Slow")]
public class LadderConsoleTests(TinyLadderFixture f)
{
    [Fact]
    public void SecondLadderStage_ListsOnlyTheRunsItTrained()
    {
        Assert.True(f.Extra.Code == 0, f.Extra.Err);
        var spec = LadderSpec.Load(LadderRunner.SpecPath(f.Ladd));
        var runs = LadderPlan.Expand(spec).Runs;
        foreach (var x in runs.Where(r => r.Kind == RunKind.Extra)) Assert.Contains(x.Id, f.Extra.Console);
        foreach (var x in runs.Where(r => r.Kind != RunKind.Extra)) Assert.DoesNotContain(x.Id, f.Extra.Console);
        Assert.Contains($"{runs.Count(r => r.Kind == RunKind.Extra)} run(s) trained", f.Extra.Console);
    }

    [Fact]
    public void Validate_BeforeThePlannedRuns_SaysTheNextCommand_AndTheFileHoldsNoInstruction()
    {
        Assert.True(f.Validate1.Code == 0, f.Validate1.Err);
        Assert.Contains("next: train the planned models with 't2 testbed ladder", f.Validate1.Console);
        Assert.Contains("--extra-from", f.Validate1.Console);
        Assert.DoesNotContain("next: train the planned models", f.Validate2.Console); // measured now
    }

    [Fact]
    public void DemoVerdict_OnTheTinyLadder_QuotesEverySeed()
    {
        var lines = T2.Cli.Commands.DemoCommand.Verdict(File.ReadAllText(Path.Combine(f.Ladd, "validation.json")));
        Assert.Contains(lines, l => l.StartsWith("Table 1 (macro, 3 seeds each)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RQ1 (macro, Approach 2", StringComparison.Ordinal) && l.Contains("seeds ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RQ1 (macro, Approach 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RQ2 (macro)", StringComparison.Ordinal));
    }
}
