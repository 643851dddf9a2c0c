using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Evidence;
using T2.Core.Health;
using T2.Core.Planning;
using T2.Core.Validation;
using T2.Testbed.Ladder;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 validate --ladder DIR</c>: the paper's validation on a ladder. Fits both approaches on the isoFLOP runs only
/// (DIR/fit.json), plans at the largest budget (DIR/plan.json, the file <c>t2 testbed ladder --extra-from</c> takes), then
/// RQ2, Table 1 and RQ1 (<see cref="LadderValidation"/>) → validation.json and tables.
/// </summary>
public static class ValidateCommand
{
    /// <param name="NextStepHint">Print the command that trains the planned models when none are measured yet (off in the
    /// demo, which runs that step itself).</param>
    public sealed record Settings(string Ladder, string? Out, double? CInf, int Starts, int Bootstrap, bool Json, string? Variant = null,
        bool NextStepHint = true);

    public static Command Build(CliContext ctx)
    {
        var ladder = new Option<string>("--ladder") { Description = "Ladder directory from 't2 testbed ladder' (spec.json, evidence.csv, runs/).", Required = true };
        var output = new Option<string?>("--out") { Description = "Validation JSON (default DIR/validation.json)." };
        var cInf = new Option<double?>("--c-inf") { Description = "Inference FLOPs per served token (default 2·N of the ladder's largest model: k = 1 there, N_max/N below)." };
        var starts = new Option<int>("--starts") { Description = "Approach 1 starts (see 'fit t2').", DefaultValueFactory = _ => 500 };
        starts.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v < 129 || v > 1_000_000) r.AddError("--starts must lie in [129, 1000000]."); });
        var bootstrap = CommonOptions.Bootstrap("checkpoints");
        var variant = new Option<string?>("--variant") { Description = "base, ft or sft: validate one variant (default: the base models, then every post-trained variant the ladder has, side by side)." };
        variant.AcceptOnlyFromAmong("base", "ft", "sft");
        var json = CommonOptions.Json("Print validation.json to stdout instead of tables.");
        var cmd = new Command("validate", "RQ2 (predict overtrained runs), Table 1 (overtrained vs loss-optimal at their own k) and RQ1 (planned models trained and measured) on a ladder.")
        { ladder, output, cInf, starts, bootstrap, variant, json };
        cmd.SetAction(p => Run(ctx, new Settings(p.GetValue(ladder)!, p.GetValue(output), p.GetValue(cInf), p.GetValue(starts), p.GetValue(bootstrap), p.GetValue(json),
            p.GetValue(variant))));
        return cmd;
    }

    public static string FitPath(string dir, string variant = "base") => Path.Combine(dir, variant == "base" ? "fit.json" : $"fit-{variant}.json");
    public static string PlanPath(string dir, string variant = "base") => Path.Combine(dir, variant == "base" ? "plan.json" : $"plan-{variant}.json");
    public static string ValidationPath(string dir, string variant = "base") => Path.Combine(dir, variant == "base" ? "validation.json" : $"validation-{variant}.json");

    public static int Run(CliContext ctx, Settings s)
    {
        string dir = s.Ladder;
        if (!Directory.Exists(dir)) throw new InputException(dir, 0, null, File.Exists(dir) ? "is a file; --ladder takes the ladder directory." : "no such ladder directory.");
        var specPath0 = LadderRunner.SpecPath(dir);
        if (!File.Exists(specPath0)) throw new InputException(specPath0, 0, null, "missing: not a ladder directory (run 't2 testbed ladder --out DIR' first).");
        var spec0 = LadderSpec.Load(specPath0);
        if (s.Variant is { } one)
        {
            if (one != "base" && !spec0.PostTrain.Contains(one)) throw new UsageException($"--variant {one}: this ladder has no {one} models (run 't2 testbed ladder --post-train {one}').");
            return RunVariant(ctx, s, one);
        }
        if (s.Out is not null && spec0.PostTrain.Count > 0) throw new UsageException("--out names one file: with post-trained variants, give --variant too (default files: DIR/validation[-VARIANT].json).");
        int code = RunVariant(ctx, s, "base");
        foreach (var v in spec0.PostTrain.Where(v => File.Exists(LadderRunner.EvidencePath(dir, v))))
        {
            if (!s.Json) ctx.Console.MarkupLine($"[bold]after {v.ToUpperInvariant()}[/] (every checkpoint post-trained with the same settings and steps):");
            code = Math.Max(code, RunVariant(ctx, s, v));
        }
        return code;
    }

    private static int RunVariant(CliContext ctx, Settings s, string variant)
    {
        string dir = s.Ladder;
        if (!Directory.Exists(dir)) throw new InputException(dir, 0, null, File.Exists(dir) ? "is a file; --ladder takes the ladder directory." : "no such ladder directory.");
        var specPath = LadderRunner.SpecPath(dir);
        if (!File.Exists(specPath)) throw new InputException(specPath, 0, null, "missing: not a ladder directory (run 't2 testbed ladder --out DIR' first).");
        var spec = LadderSpec.Load(specPath);
        var evPath = LadderRunner.EvidencePath(dir, variant);
        if (!File.Exists(evPath)) throw new InputException(evPath, 0, null, variant == "base" ? "missing: the ladder has no finished run yet." : $"missing: no {variant} run has finished yet.");
        if (s.CInf is { } ci && (!(ci > 0) || ci > T2.Core.Planning.Limits.MaxFlops)) throw new UsageException("--c-inf must be > 0 and ≤ 1e40.");
        string outPath = s.Out ?? ValidationPath(dir, variant);
        T2.IO.AtomicFile.Prepare(outPath);
        var records = LadderRunner.Records(dir, spec).ToDictionary(r => r.Id, StringComparer.Ordinal);
        var sw = System.Diagnostics.Stopwatch.StartNew();

        // 1. Fits on the isoFLOP runs only.
        var fitSettings = new FitT2Command.Settings(evPath, "both", null, FitPath(dir), false, EvidenceData.Columns.Defaults,
            ["kind=isoflop"], null, "aggregate", "profile", s.Starts, s.Bootstrap, null, 0, 0.95, null, null, false);
        fitSettings = fitSettings with { Out = FitPath(dir, variant) };
        var (doc, _) = FitT2Command.Fit(ctx, fitSettings);
        var fits = FitTasks.Select(doc, null, FitPath(dir, variant));

        // 2. Evidence of every run, likelihood and (when sampled) counts, and the run metadata.
        var table = DataTable.Read(evPath);
        var cols = EvidenceData.Columns.Defaults;
        var lik = EvidenceData.Read(table, cols, null);
        Dictionary<string, List<CheckpointEvidence>>? smp = null;
        if (File.Exists(LadderRunner.SamplesPath(dir, variant)) && DataTable.Read(LadderRunner.SamplesPath(dir, variant)) is { Rows.Count: > 0 } st)
            smp = EvidenceData.Read(st, cols, null);
        int kind = table.IndexOf("kind"), label = table.IndexOf("label"), seed = table.IndexOf("seed"), ck = table.IndexOf("checkpoint"), c = table.IndexOf("C_train");
        if (kind < 0 || label < 0 || seed < 0 || c < 0) throw new InputException(evPath, 1, null, "not ladder evidence (needs kind, label, seed and C_train columns).");
        var runs = new Dictionary<string, RunMeta>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            string name = row.Values[ck];
            if (runs.ContainsKey(name)) continue;
            var ev = lik.Values.First(l => l.Any(x => x.Name == name)).First(x => x.Name == name);
            runs[name] = new RunMeta(name, row.Values[kind], row.Values[label], int.Parse(row.Values[seed], CultureInfo.InvariantCulture), ev.N, ev.D,
                table.Number(row, c), records.TryGetValue(name, out var rec) ? rec.FinalLoss : double.NaN);
        }
        double cTrain = spec.Budgets.Max();
        double cInf = s.CInf ?? 2.0 * runs.Values.Max(r => r.N);

        // 3. The plan at the largest budget (what RQ1 trains), in 't2 plan --json' form.
        var plans = fits.SelectMany(f => TaskPlanner.Plan(f, new PlanBudget { CTrain = cTrain, CInf = cInf }, null)).ToList();

        // 4. RQ2, Table 1, RQ1.
        var input = new ValidationInput
        {
            Runs = [.. runs.Values], CTrain = cTrain, CInf = cInf, Fits = fits,
            Tasks = lik.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new TaskEvidence(kv.Key, kv.Value, smp?.GetValueOrDefault(kv.Key))).ToList(),
        };
        var result = LadderValidation.Run(input);
        // The plan file the ladder's second stage reads: the plan, and Table 1's pair to retrain with two more seeds.
        T2.IO.AtomicFile.WriteAllText(PlanPath(dir, variant), WithReplicates(PlanCommand.ToJson(plans), Replicates(spec, result)));
        var guess = GuessFloors(spec, runs.Values.Min(r => r.N), cInf);
        // The paper's Fig. 5: the optimal tokens per parameter against C_train, per task and approach, with the baseline's.
        var frontier = spec.Budgets.Order().SelectMany(b => fits.SelectMany(f => TaskPlanner.Plan(f, new PlanBudget { CTrain = b, CInf = cInf }, null))).ToList();
        var post = variant == "base" ? null : PostTraining(dir, variant);
        string text = ToJson(result, spec, dir, guess, sw.Elapsed.TotalSeconds, variant, frontier, post);
        T2.IO.AtomicFile.WriteAllText(outPath, text);
        if (s.Json) { ctx.Out.WriteLine(text); return 0; }
        Render(ctx.Console, result, guess);
        if (post is not null) RenderPost(ctx.Console, post);
        if (s.NextStepHint && result.Rq1.All(x => x.Planned.Measured is null))
            ctx.Console.MarkupLine(Markup.Escape($"next: train the planned models with 't2 testbed ladder --spec {specPath} --out {dir} " +
                $"--extra-from {PlanPath(dir, variant)}', then validate again (RQ1 measured)."));
        ctx.Console.MarkupLine($"fit (isoFLOP runs only) → {Markup.Escape(FitPath(dir, variant))}; plan at C_train = {Num.G(cTrain)}, C_inf = {Num.G(cInf)} → {Markup.Escape(PlanPath(dir, variant))}; validation → {Markup.Escape(outPath)} ({sw.Elapsed.TotalSeconds:F0} s)");
        return 0;
    }

    /// <summary>Seeds the retrained copies of Table 1's pair get: the two smallest the ladder's own runs do not use.</summary>
    public static List<int> ReplicateSeeds(LadderSpec spec) => Enumerable.Range(1, spec.Seeds.Count + 2).Except(spec.Seeds).Take(2).ToList();

    /// <summary>Table 1's macro pair as extra runs (same shape and tokens, other seeds), for its seed spread.</summary>
    public static List<(string Run, ExtraRun Extra)> Replicates(LadderSpec spec, LadderValidationResult result)
    {
        if (LadderValidation.Table1Pair(result) is not { } pair) return [];
        var points = LadderPlan.Expand(spec).Runs.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var seeds = ReplicateSeeds(spec);
        return new[] { pair.Overtrained, pair.Chinchilla }.Where(points.ContainsKey)
            .Select(id => (id, new ExtraRun(LadderValidation.ReplicateLabel(id), points[id].Shape, points[id].Tokens, seeds))).ToList();
    }

    private static string WithReplicates(string planJson, List<(string Run, ExtraRun Extra)> replicates) => Json.Write(w =>
    {
        using var doc = JsonDocument.Parse(planJson);
        w.WriteStartObject();
        foreach (var p in doc.RootElement.EnumerateObject()) p.WriteTo(w);
        w.WriteStartArray("replicates");
        foreach (var (run, x) in replicates)
        {
            w.WriteStartObject(); w.WriteString("label", x.Label); w.WriteString("run", run);
            w.WriteStartObject("shape"); w.WriteNumber("d_model", x.Shape.DModel); w.WriteNumber("layers", x.Shape.Layers);
            w.WriteNumber("heads", x.Shape.Heads); w.WriteEndObject();
            w.WriteNumber("tokens", x.Tokens);
            w.WriteStartArray("seeds"); foreach (int sd in x.Seeds!) w.WriteNumberValue(sd); w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Per family: the chance that k uniform guesses of the answer's form include it, at the ladder's largest k.</summary>
    public static List<(string Family, double K, double Floor)> GuessFloors(LadderSpec spec, double nMin, double cInf)
    {
        var world = new T2.Testbed.World.SyntheticWorld(spec.WorldSeed, spec.World);
        double k = Math.Max(1, cInf / (2 * nMin));
        return world.Questions().GroupBy(q => q.Family).Select(g => (g.Key, k, T2.Testbed.World.SyntheticWorld.GuessFloor(g, k))).ToList();
    }

    /// <summary>Per family, post-training's effect on the evaluation questions against tokens per parameter: the answer-NLL
    /// gain of every checkpoint, and Spearman's ρ between gain and tokens per parameter ("are overtrained models harder to
    /// fine-tune?": ρ &lt; 0 says yes), with post-training's cost.</summary>
    public sealed record PostSummary(string Variant, List<(string Checkpoint, string Family, double N, double TokensPerParam, double Before, double After)> Rows,
        List<(string Family, double Rho, int Runs, double MeanGain)> ByFamily, double Flops, double Seconds, int Steps);

    private static PostSummary? PostTraining(string dir, string variant)
    {
        var path = LadderRunner.PostTrainingPath(dir);
        if (!File.Exists(path)) return null;
        var t = DataTable.Read(path);
        int ck = t.IndexOf("checkpoint"), v = t.IndexOf("variant"), fam = t.IndexOf("family"), n = t.IndexOf("N_params"), tpp = t.IndexOf("tokens_per_param"),
            b = t.IndexOf("nll_before"), a = t.IndexOf("nll_after"), fl = t.IndexOf("post_flops"), sec = t.IndexOf("post_seconds"), st = t.IndexOf("post_steps");
        var rows = t.Rows.Where(r => r.Values[v] == variant)
            .Select(r => (r.Values[ck], r.Values[fam], t.Number(r, n), t.Number(r, tpp), t.Number(r, b), t.Number(r, a), t.Number(r, fl), t.Number(r, sec), t.Number(r, st))).ToList();
        if (rows.Count == 0) return null;
        var byFamily = rows.GroupBy(r => r.Item2).Select(g =>
        {
            var x = g.Select(r => Math.Log(r.Item4)).ToArray(); var y = g.Select(r => r.Item5 - r.Item6).ToArray();
            double rho = x.Length >= 3 ? MathNet.Numerics.Statistics.Correlation.Spearman(x, y) : double.NaN;
            return (g.Key, rho, g.Count(), y.Average());
        }).OrderBy(x => x.Key, StringComparer.Ordinal).ToList();
        var perRun = rows.GroupBy(r => r.Item1).Select(g => g.First()).ToList();
        return new PostSummary(variant, rows.Select(r => (r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6)).ToList(), byFamily,
            perRun.Sum(r => r.Item7), perRun.Sum(r => r.Item8), (int)perRun.Max(r => r.Item9));
    }

    private static void RenderPost(IAnsiConsole console, PostSummary p)
    {
        var t = new Table().Title($"post-training ({p.Variant}): answer-NLL gain on the evaluation questions vs tokens per parameter")
            .AddColumn("family").AddColumn(new TableColumn("checkpoints").RightAligned()).AddColumn(new TableColumn("mean gain (nats)").RightAligned())
            .AddColumn(new TableColumn("Spearman ρ(gain, log D/N)").RightAligned());
        foreach (var f in p.ByFamily) t.AddRow(f.Family, f.Runs.ToString(CultureInfo.InvariantCulture), f.MeanGain.ToString("F3", CultureInfo.InvariantCulture), double.IsNaN(f.Rho) ? "—" : f.Rho.ToString("F2", CultureInfo.InvariantCulture));
        console.Write(t);
        console.MarkupLine($"ρ < 0: the more overtrained the checkpoint, the less post-training helped it. {p.Steps} steps per checkpoint; {Num.G(p.Flops)} post-training FLOPs in all ({p.Seconds:F0} s), counted in no budget.");
    }

    public static string ToJson(LadderValidationResult r, LadderSpec spec, string dir, List<(string Family, double K, double Floor)> guess, double seconds,
        string variant = "base", List<ApproachPlan>? frontier = null, PostSummary? post = null) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("ladder", dir); w.WriteString("spec", spec.Name); w.WriteString("variant", variant);
        w.Number("c_train", r.CTrain); w.Number("c_inf", r.CInf); w.Number("seconds", seconds);
        if (frontier is not null)
        {
            w.WriteStartArray("frontier");
            foreach (var f in frontier)
            {
                w.WriteStartObject(); w.WriteString("task", f.Task); w.WriteString("approach", f.Approach); w.Number("c_train", f.Budget.CTrain);
                w.Number("tokens_per_param", f.Plan.Optimum.TokensPerParameter); w.Number("N", f.Plan.Optimum.N); w.Number("k", f.Plan.Optimum.K);
                w.Number("chinchilla_tokens_per_param", f.Plan.Chinchilla.TokensPerParameter); w.WriteString("severity", f.Trust.Severity.ToString().ToLowerInvariant()); w.WriteString("verdict", f.Trust.Verdict);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (post is not null)
        {
            w.WriteStartObject("post_training");
            w.Number("flops", post.Flops); w.Number("seconds", post.Seconds); w.WriteNumber("steps_per_checkpoint", post.Steps);
            w.WriteString("counted_in_budget", "no (as the paper)");
            w.WriteStartArray("by_family");
            foreach (var f in post.ByFamily) { w.WriteStartObject(); w.WriteString("task", f.Family); w.WriteNumber("checkpoints", f.Runs); w.Number("mean_nll_gain", f.MeanGain); w.Number("spearman_gain_vs_log_tokens_per_param", f.Rho); w.WriteEndObject(); }
            w.WriteEndArray();
            w.WriteStartArray("checkpoints");
            foreach (var x in post.Rows) { w.WriteStartObject(); w.WriteString("checkpoint", x.Checkpoint); w.WriteString("task", x.Family); w.Number("N", x.N); w.Number("tokens_per_param", x.TokensPerParam); w.Number("nll_before", x.Before); w.Number("nll_after", x.After); w.WriteEndObject(); }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteString("fit", "both approaches fitted on the isoFLOP runs only (fit.json)");
        w.WriteStartArray("guess_floor");
        foreach (var g in guess) { w.WriteStartObject(); w.WriteString("task", g.Family); w.Number("k", g.K); w.Number("pass_at_k", g.Floor); w.WriteEndObject(); }
        w.WriteEndArray();
        w.WriteStartArray("rq2");
        foreach (var x in r.Rq2)
        {
            w.WriteStartObject(); w.WriteString("task", x.Task); w.WriteString("approach", x.Approach); w.WriteString("metric", x.Metric);
            w.Number("relative_error", x.RelativeError); w.Number("signed_relative_error", x.SignedRelativeError); w.WriteNumber("runs", x.Runs);
            w.WriteStartArray("points");
            foreach (var p in x.Points) { w.WriteStartObject(); w.WriteString("checkpoint", p.Checkpoint); w.Number("N", p.N); w.Number("D", p.D); w.Number("k", p.K); w.Number("observed", p.Observed); w.Number("predicted", p.Predicted); w.WriteEndObject(); }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("table1");
        foreach (var x in r.Table1)
        {
            w.WriteStartObject(); w.WriteString("task", x.Task); w.Number("c_train", x.CTrain); w.Number("c_inf", x.CInf);
            Side(w, "overtrained", x.Overtrained); Side(w, "chinchilla", x.Chinchilla);
            w.Number("ratio", x.Ratio);
            if (x.SampledRatio is { } sr) w.Number("sampled_ratio", sr); else w.WriteNull("sampled_ratio");
            if (x.MeanRatio is { } mr) w.Number("seed_mean_ratio", mr); else w.WriteNull("seed_mean_ratio");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("rq1");
        foreach (var x in r.Rq1)
        {
            w.WriteStartObject(); w.WriteString("task", x.Task); w.WriteString("approach", x.Approach); w.WriteString("metric", x.Metric);
            w.WriteStartObject("planned"); Rq1(w, x.Planned, x.PlannedN); w.WriteEndObject();
            w.WriteStartObject("measured");
            if (x.Planned.Measured is { } m) w.Number("mean", m); else w.WriteNull("mean");
            w.WriteStartArray("seeds"); foreach (var v in x.Planned.Seeds) w.Number(v); w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("chinchilla"); Rq1(w, x.Chinchilla, x.ChinchillaPlannedN);
            if (x.Chinchilla.Measured is { } cm) w.Number("measured", cm); else w.WriteNull("measured");
            w.WriteStartArray("seeds"); foreach (var v in x.Chinchilla.Seeds) w.Number(v); w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("notes"); foreach (var n in r.Notes) w.WriteStringValue(n); w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Side(Utf8JsonWriter w, string name, Table1Side s)
    {
        w.WriteStartObject(name); w.WriteString("checkpoint", s.Checkpoint); w.Number("N", s.N); w.Number("D", s.D); w.Number("k", s.K); w.Number("pass_at_k", s.PassAtK);
        if (s.SampledPassAtK is { } sp) { w.Number("sampled_pass_at_k", sp); w.WriteNumber("sampled_k", s.SampledK!.Value); } else w.WriteNull("sampled_pass_at_k");
        // The ladder's seed first, then the retrained copies' (exact pass@k from likelihood at the same k).
        w.WriteStartArray("seeds");
        foreach (var (seed, pass) in s.Seeds) { w.WriteStartObject(); w.WriteNumber("seed", seed); w.Number("pass_at_k", pass); w.WriteEndObject(); }
        w.WriteEndArray();
        if (s.MeanPassAtK is { } mp) w.Number("mean_pass_at_k", mp); else w.WriteNull("mean_pass_at_k");
        w.WriteEndObject();
    }

    private static void Rq1(Utf8JsonWriter w, Rq1Side s, double? plannedN)
    {
        if (plannedN is { } pn) w.Number("N_planned", pn);
        if (s.Shape is { } sh) w.WriteString("trained_as", sh); else w.WriteNull("trained_as");
        w.Number("N", s.N); w.Number("D", s.D); w.Number("k", s.K); w.Number("predicted", s.Predicted);
    }

    private static void Render(IAnsiConsole console, LadderValidationResult r, List<(string Family, double K, double Floor)> guess)
    {
        console.MarkupLine($"[bold]Validation[/] at C_train = {Num.G(r.CTrain)} FLOPs, C_inf = {Num.G(r.CInf)} FLOPs per token (k = C_inf/2N)");
        console.MarkupLine("guessing floor (k uniform guesses of the answer's form, at the ladder's largest k): " +
            string.Join(", ", guess.Select(g => $"{g.Family} {Format.Accuracy(g.Floor)} at k = {g.K:0}")));
        console.MarkupLine("\n[bold]RQ2[/]: fit on isoFLOP runs, predict the overtrained runs (paper: 2.8 % Approach 1 on NLL, 8.4 % Approach 2 on accuracy, both over)");
        Tables.Write(console, ["task", "approach", "metric", "runs", "mean |rel. error|", "signed"],
            r.Rq2.Select(x => new[] { x.Task, x.Approach, x.Metric, x.Runs.ToString(CultureInfo.InvariantCulture), Format.Percent(x.RelativeError), Format.Percent(x.SignedRelativeError) }).ToList(),
            new HashSet<int> { 3, 4, 5 });
        console.MarkupLine("\n[bold]Table 1[/]: best overtrained run vs the loss-optimal run at the largest budget, each at its own k (paper: overtrained better on every task, 1.8–5.8×)");
        static string Seeds(Table1Side s) => s.Seeds.Count < 2 ? "" : $" (seeds {string.Join(", ", s.Seeds.Select(x => Format.Accuracy(x.PassAtK)))})";
        Tables.Write(console, ["task", "overtrained (N, D/N, k)", "pass@k", "loss-optimal (N, D/N, k)", "pass@k", "ratio", "sampled ratio", "ratio of seed means"],
            r.Table1.Select(x => new[] { x.Task, $"{Num.G(x.Overtrained.N, 3)}, {x.Overtrained.D / x.Overtrained.N:0}, {x.Overtrained.K:0.#}", Format.Accuracy(x.Overtrained.PassAtK) + Seeds(x.Overtrained),
                $"{Num.G(x.Chinchilla.N, 3)}, {x.Chinchilla.D / x.Chinchilla.N:0}, {x.Chinchilla.K:0.#}", Format.Accuracy(x.Chinchilla.PassAtK) + Seeds(x.Chinchilla), $"{x.Ratio:0.00}×",
                x.SampledRatio is { } s ? $"{s:0.00}×" : "—", x.MeanRatio is { } mr ? $"{mr:0.00}×" : "—" }).ToList(), new HashSet<int> { 2, 4, 5, 6, 7 });
        console.MarkupLine("\n[bold]RQ1[/]: the planned models, trained (every seed) and measured at their own k, against the forecast");
        Tables.Write(console, ["task", "approach", "T² model (N, D/N, k)", "forecast", "measured (seeds)", "Chinchilla (N, D/N, k)", "forecast", "measured"],
            r.Rq1.Select(x => new[] { x.Task, x.Approach, $"{Num.G(x.Planned.N, 3)}, {x.Planned.D / x.Planned.N:0}, {x.Planned.K:0.#}", M(x.Metric, x.Planned.Predicted),
                x.Planned.Measured is { } m ? $"{M(x.Metric, m)} ({string.Join(", ", x.Planned.Seeds.Select(v => M(x.Metric, v)))})" : "not trained",
                $"{Num.G(x.Chinchilla.N, 3)}, {x.Chinchilla.D / x.Chinchilla.N:0}, {x.Chinchilla.K:0.#}", M(x.Metric, x.Chinchilla.Predicted),
                x.Chinchilla.Measured is { } cm ? $"{M(x.Metric, cm)} ({string.Join(", ", x.Chinchilla.Seeds.Select(v => M(x.Metric, v)))})" : "not trained" }).ToList(),
            new HashSet<int> { 3, 4, 6, 7 });
        foreach (var n in r.Notes) console.MarkupLine($"[yellow]note[/]: {Markup.Escape(n)}");
    }

    private static string M(string metric, double v) => metric == "acc_k" ? Format.Accuracy(v) : v.ToString("0.000", CultureInfo.InvariantCulture);
}
