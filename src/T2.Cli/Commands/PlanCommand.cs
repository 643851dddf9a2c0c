using System.CommandLine;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Health;
using T2.Core.Planning;
using T2.Core.Statistics;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 plan</c>: with a T² fit file, the joint optimum (N*, D*, k*) under a budget beside the Chinchilla baseline; with a
/// loss-law fit file, the compute-optimal (N, D) with bootstrap intervals. Every answer carries its trust.
/// </summary>
public static class PlanCommand
{
    public static Command Build(CliContext ctx)
    {
        var fit = CommonOptions.Fit();
        var cTrain = CommonOptions.TrainFlops("--c-train", "Training budget C_train = 6ND in FLOPs (a comma list plans several).");
        var cInf = new Option<double?>("--c-inf") { Description = "Inference budget per served token, C_inf = 2Nk FLOPs (k = C_inf/2N)." };
        var k = new Option<double?>("--k") { Description = "Fixed samples per query instead of --c-inf." };
        var integerK = new Option<bool>("--integer-k") { Description = "Restrict k to integers ≥ 1 (k = max(1, ⌊C_inf/2N⌋); trust says when that exceeds the budget)." };
        var cTotal = new Option<double?>("--c-total") { Description = "One end-to-end budget 6ND + Q·L·2N·k (with --queries and --tokens-per-query)." };
        var queries = new Option<double?>("--queries") { Description = "Queries Q served over the model's life (with --c-total)." };
        var tpq = new Option<double?>("--tokens-per-query") { Description = "Tokens L per sampled answer (with --c-total)." };
        var task = new Option<string?>("--task") { Description = "Plan only this task." };
        var level = CommonOptions.Level();
        var stop = new Option<bool>("--stop-on-success") { Description = "A verifier stops sampling at the first success: C_inf buys expected samples, k becomes a cap (Approach 2 only)." };
        var adaptive = new Option<bool>("--adaptive-k") { Description = "Samples allocated by each question's difficulty (an oracle p): k is the mean per query (Approach 2 only)." };
        var variant = CommonOptions.Variant();
        var (countPost, postTokens) = PostTrainingOptions();
        var hw = HardwarePlan.Build();
        var (unique, wallFile, wallLaw) = DataWallOptions();
        var json = CommonOptions.Json("Print {\"plans\": [...]} (each plan with trust).");
        var strict = CommonOptions.Strict();
        var cmd = new Command("plan", "Optimal (N, D, k) per task and approach for a budget, with the Chinchilla baseline scored at its own k; " +
            "or, for a loss-law fit file, the compute-optimal (N, D).")
        { fit, cTrain, cInf, k, integerK, cTotal, queries, tpq, task, level, stop, adaptive, variant, countPost, postTokens, json, strict };
        foreach (var o in hw.All) cmd.Options.Add(o);
        cmd.Options.Add(unique); cmd.Options.Add(wallFile); cmd.Options.Add(wallLaw);
        cmd.SetAction(p =>
        {
            var path = p.GetValue(fit)!;
            if (FitFileIo.Kind(path) == "loss")
            {
                if (HardwarePlan.Asked(p, hw)) throw new UsageException("--hardware prices serving k samples; a loss-law fit file has no k (use a T² fit file).");
                if (CommonOptions.List(p, cTrain) is null) throw new UsageException("a loss-law fit file plans --c-train only (compute-optimal N, D).");
                if (p.GetValue(cInf) is not null || p.GetValue(k) is not null || p.GetValue(cTotal) is not null)
                    throw new UsageException("a loss-law fit file has no k: give only --c-train (use a T² fit file for --c-inf, --k or --c-total).");
                return LossPlan(ctx, LossFitFile.Read(path), CommonOptions.List(p, cTrain)!, p.GetValue(level), p.GetValue(json), p.GetValue(strict));
            }
            HardwarePlan.CheckUnused(p, hw);
            if (HardwarePlan.Asked(p, hw) && (p.GetValue(stop) || p.GetValue(adaptive)))
                throw new UsageException("--hardware prices fixed-k sampling; --stop-on-success and --adaptive-k are not combined with it yet.");
            double? u = p.GetValue(unique);
            var wall = DataWallTransform(u, p.GetValue(wallFile), p.GetValue(wallLaw)!, HardwarePlan.Asked(p, hw));
            bool published = p.GetValue(wallFile) is null;
            var form = p.GetValue(wallLaw) == "penalty" ? T2.Core.Laws.WallForm.Penalty : T2.Core.Laws.WallForm.Muennighoff;
            var doc = FitFile.Read(path);
            if (HardwarePlan.Asked(p, hw))
                return HardwarePlan.Run(ctx, p, hw, path, doc, CommonOptions.List(p, cTrain), p.GetValue(cInf), p.GetValue(k), p.GetValue(integerK), p.GetValue(cTotal),
                    p.GetValue(task), p.GetValue(variant), p.GetValue(countPost), p.GetValue(postTokens), p.GetValue(level), p.GetValue(json), p.GetValue(strict));
            var budgets = Budgets(CommonOptions.List(p, cTrain), p.GetValue(cInf), p.GetValue(k), p.GetValue(integerK), p.GetValue(cTotal), p.GetValue(queries), p.GetValue(tpq));
            bool sos = p.GetValue(stop), ada = p.GetValue(adaptive);
            if (sos && ada) throw new UsageException("--stop-on-success and --adaptive-k are two policies; choose one.");
            if ((sos || ada) && (p.GetValue(k) is not null || p.GetValue(integerK)))
                throw new UsageException($"{(sos ? "--stop-on-success plans the cap from the expected samples" : "--adaptive-k plans the mean samples")} C_inf/2N: drop --k and --integer-k.");
            var plans = new List<ApproachPlan>();
            var free = new List<ApproachPlan>(); // with --unique-tokens: the same plans with unlimited data
            var labels = new List<string?>();
            var caps = new List<(double? Optimum, double? Baseline)>();
            var docs = FitFile.SelectVariants(doc, p.GetValue(variant), path);
            foreach (var vd in docs)
            {
                double post = PostTokens(vd, path, p.GetValue(countPost), p.GetValue(postTokens));
                var tasks = FitTasks.Select(vd, p.GetValue(task), path, sos, ada, wall);
                var freeTasks = wall is null ? null : FitTasks.Select(vd, p.GetValue(task), path, sos, ada);
                foreach (var b in budgets)
                    for (int ti = 0; ti < tasks.Count; ti++)
                    {
                        // With the wall: the unlimited-data plans of the same task and budget, once for all its approaches.
                        var freeOf = freeTasks is null ? null : TaskPlanner.Plan(freeTasks[ti], b with { PostTrainingTokens = post }, null);
                        foreach (var pa in TaskPlanner.Plan(tasks[ti], b with { PostTrainingTokens = post }, p.GetValue(level)))
                        {
                            if (freeOf is not null) free.Add(freeOf.Single(x => x.Approach == pa.Approach));
                            plans.Add(pa);
                            labels.Add(docs.Count > 1 || vd.Variant is not null ? vd.Variant ?? "base" : null);
                            caps.Add(sos ? (Cap(freeTasks ?? tasks, tasks, pa, pa.Plan.Optimum), Cap(freeTasks ?? tasks, tasks, pa, pa.Plan.Chinchilla)) : (null, null));
                        }
                    }
            }
            Action<System.Text.Json.Utf8JsonWriter, int>? extra = u is { } u1 ? (w, i) => WallJson(w, plans[i], free[i], u1, published, form) : null;
            if (p.GetValue(json)) ctx.Out.WriteLine(ToJson(plans, sos ? caps : null, labels, extra));
            else
            {
                Render(ctx.Console, plans, labels);
                if (u is { } u2) RenderWall(ctx.Console, plans, free, labels, u2, published, form);
                if (ada) ctx.Console.MarkupLine("Difficulty-aware k: k* and k_c above are the mean samples per query, spread over questions by their (oracle) single-sample accuracy.");
                if (sos)
                {
                    ctx.Console.MarkupLine("Stop at the first success: k* and k_c above are expected samples per query (what C_inf pays for); the caps:");
                    for (int i = 0; i < plans.Count; i++)
                    {
                        string C(double? c) => c is { } v ? Format.Sig(v) : "per task";
                        ctx.Console.MarkupLine(Markup.Escape($"  {Label(plans[i].Task, labels[i])}: cap {C(caps[i].Optimum)} for the T² optimum, {C(caps[i].Baseline)} for the baseline"));
                    }
                }
            }
            return CommonOptions.Exit(0, p.GetValue(strict), plans.SelectMany(Findings));
        });
        return cmd;
    }

    /// <summary>A plan's own trust as findings (for --strict): the optimum's and the baseline's severity with their verdicts.</summary>
    public static IEnumerable<Finding> Findings(ApproachPlan p) =>
    [
        new Finding("plan_trust", p.Trust.Severity, p.Trust.Verdict),
        new Finding("chinchilla_trust", p.ChinchillaTrust.Severity, p.ChinchillaTrust.Verdict),
    ];

    /// <summary>--unique-tokens, --data-wall and --wall-law (shared by plan and frontier).</summary>
    public static (Option<double?> Unique, Option<string?> File, Option<string> Law) DataWallOptions()
    {
        var unique = new Option<double?>("--unique-tokens") { Description = "The data wall: a corpus of U unique tokens (training repeats it). Plans beside the unlimited-data plan." };
        unique.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is { } v && (!double.IsFinite(v) || !(v >= 1) || v > Limits.MaxCount)) r.AddError("--unique-tokens must lie in [1, 1e30]."); });
        var file = new Option<string?>("--data-wall") { Description = "Data-wall file from 't2 fit data-wall' (default: Muennighoff et al.'s published R*_D = 15.4, R*_N = 5.3)." };
        var law = new Option<string>("--wall-law") { Description = "muennighoff (effective data and parameters) or penalty (additive over-fitting penalty; needs --data-wall).", DefaultValueFactory = _ => "muennighoff" };
        law.AcceptOnlyFromAmong("muennighoff", "penalty");
        return (unique, file, law);
    }

    /// <summary>The data wall as a task transform (null without --unique-tokens), the flags checked first.</summary>
    public static Func<FittedTask, FittedTask>? DataWallTransform(double? u, string? wallFile, string wallLaw, bool hardware)
    {
        if (u is null && wallFile is not null) throw new UsageException("--data-wall needs --unique-tokens U (the corpus the plan must live with).");
        if (u is null) return null;
        if (hardware) throw new UsageException("--unique-tokens is not combined with --hardware yet.");
        var wallDoc = wallFile is { } wf ? DataWallFile.Read(wf) : null;
        var form = wallLaw == "penalty" ? T2.Core.Laws.WallForm.Penalty : T2.Core.Laws.WallForm.Muennighoff;
        if (wallDoc is null && form == T2.Core.Laws.WallForm.Penalty)
            throw new UsageException("--wall-law penalty has no published constant: give --data-wall FILE from 't2 fit data-wall'.");
        double uu = u.Value;
        return t =>
        {
            var law = wallDoc is null ? T2.Core.Laws.DataWallLaw.Published : DataWallFile.Law(wallDoc, t.Task, form)
                ?? throw new InputException(wallFile!, 0, "tasks", $"no task '{t.Task}' in the data-wall file (tasks: {string.Join(", ", wallDoc.Tasks.Select(x => x.Task))}).");
            return DataWall.Apply(t, uu, law, wallFile ?? "published", wallDoc is null);
        };
    }

    /// <summary>--count-post-training and --post-training-tokens (shared by plan and frontier).</summary>
    public static (Option<bool> Count, Option<double?> Tokens) PostTrainingOptions()
    {
        var count = new Option<bool>("--count-post-training") { Description = "Charge post-training to C_train (beyond the paper): 6N(D + D_post) = C_train, D_post from the fit file's variant." };
        var tokens = new Option<double?>("--post-training-tokens") { Description = "D_post, the post-training tokens per model, to charge to C_train (implies --count-post-training; overrides the fit file)." };
        tokens.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is { } v && (!double.IsFinite(v) || v < 0 || v > Limits.MaxCount)) r.AddError("--post-training-tokens must lie in [0, 1e30]."); });
        return (count, tokens);
    }

    /// <summary>D_post for one variant's plans: 0 unless post-training is counted; the override, else the fit file's figure.</summary>
    public static double PostTokens(FitFile.Doc vd, string path, bool count, double? tokens)
    {
        if (tokens is { } t) return t;
        if (!count) return 0;
        if (vd.PostTrainingTokens is { } pt) return pt;
        if ((vd.Variant ?? "base") == "base") return 0; // a base model has no post-training to charge
        throw new InputException(path, 0, "post_training_tokens", $"variant {vd.Variant}: the fit file does not say how many tokens post-training used " +
            "(refit from evidence with a post_tokens column, or give --post-training-tokens).");
    }

    public static string Label(string task, string? variant) => variant is null ? task : $"{task} ({variant})";

    public static List<PlanBudget> Budgets(double[]? cTrain, double? cInf, double? k, bool integerK, double? cTotal, double? q, double? l)
    {
        if (cTotal is not null)
        {
            if (q is null || l is null) throw new UsageException("--c-total needs --queries and --tokens-per-query.");
            if (cTrain is not null || cInf is not null || k is not null) throw new UsageException("--c-total replaces --c-train, --c-inf and --k.");
            if (!(q > 0) || !(l > 0) || !double.IsFinite(q.Value * l.Value)) throw new UsageException("--queries and --tokens-per-query must be finite and > 0.");
            if (!(cTotal > 0) || cTotal > Limits.MaxFlops) throw new UsageException($"--c-total must be > 0 and ≤ {Limits.MaxFlops:G0} FLOPs.");
            return [new PlanBudget { CTotal = cTotal, Queries = q.Value, TokensPerQuery = l.Value, IntegerK = integerK }];
        }
        if (cTrain is null) throw new UsageException("give --c-train (with --c-inf or --k), or --c-total.");
        if (cInf is null && k is null) throw new UsageException("give --c-inf (inference FLOPs per token) or a fixed --k.");
        if (cInf is not null && k is not null) throw new UsageException("--k fixes k; do not also give --c-inf.");
        if (cInf is { } ci && (!(ci > 0) || ci > Limits.MaxFlops)) throw new UsageException($"--c-inf must be > 0 and ≤ {Limits.MaxFlops:G0} FLOPs.");
        if (k is { } kk && (!(kk >= 1) || kk > Limits.MaxK)) throw new UsageException("--k must lie in [1, 1e9] samples per query.");
        return cTrain.Select(c => new PlanBudget { CTrain = c, CInf = cInf ?? 0, FixedK = k, IntegerK = integerK }).ToList();
    }

    /// <summary>Under stop-at-success, the cap whose expected samples are the plan's k (null for the macro: each task has its own).</summary>
    /// <summary>The stop-at-success cap at a plan point: the law from <paramref name="lawTasks"/>, the loss from the planned
    /// metric (the walled loss under the data wall).</summary>
    private static double? Cap(List<FittedTask> lawTasks, List<FittedTask> tasks, ApproachPlan pa, PlanPoint pt)
    {
        PlanMetric? Of(List<FittedTask> ts) => ts.FirstOrDefault(t => t.Task == pa.Task)?.Approaches.FirstOrDefault(a => a.Approach == pa.Approach)?.Metric;
        var law = Of(lawTasks)?.Law;
        if (law is null) return null;
        double loss = Of(tasks)?.StageOneLoss is { } wl ? wl(pt.N, pt.D) : law.Loss.Predict(pt.N, pt.D);
        return StopOnSuccess.Cap(law, loss, pt.K);
    }

    private static void Point(System.Text.Json.Utf8JsonWriter w, PlanPoint o, double? cap = null, bool sos = false)
    {
        w.Number("N", o.N); w.Number("D", o.D); w.Number("k", o.K); w.Number("tokens_per_param", o.TokensPerParameter); w.Number("predicted", o.Predicted);
        if (sos) { w.Number("expected_samples", o.K); if (cap is { } c) w.Number("k_cap", c); else w.WriteNull("k_cap"); }
    }

    public static string ToJson(List<ApproachPlan> plans, List<(double? Optimum, double? Baseline)>? caps = null, List<string?>? variants = null,
        Action<System.Text.Json.Utf8JsonWriter, int>? extra = null) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("plans");
        for (int i = 0; i < plans.Count; i++)
        {
            var pa = plans[i];
            var b = pa.Budget; var o = pa.Plan.Optimum; var c = pa.Plan.Chinchilla;
            bool sos = caps is not null;
            w.WriteStartObject();
            w.WriteString("task", pa.Task);
            if (variants?[i] is { } vn) w.WriteString("variant", vn);
            w.WriteString("approach", pa.Approach); w.WriteString("metric", pa.Metric);
            if (b.CTotal is { } ct) { w.Number("c_total", ct); w.Number("queries", b.Queries); w.Number("tokens_per_query", b.TokensPerQuery); }
            else { w.Number("c_train", b.CTrain); if (b.FixedK is { } fk) w.Number("fixed_k", fk); else w.Number("c_inf", b.CInf); }
            w.WriteBoolean("integer_k", b.IntegerK);
            if (b.PostTrainingTokens > 0) w.Number("post_training_tokens_counted", b.PostTrainingTokens);
            if (sos) w.WriteBoolean("stop_on_success", true);
            if (pa.Metric == "acc_k_adaptive") w.WriteString("sampling", "adaptive_k (oracle difficulty): k is the mean samples per query");
            Point(w, o, caps?[i].Optimum, sos);
            w.WriteStartArray("flat_n_within_1pct"); w.Number(pa.Plan.FlatNMin); w.Number(pa.Plan.FlatNMax); w.WriteEndArray();
            w.WriteBoolean("at_search_boundary", pa.Plan.AtSearchBoundary);
            if (pa.Intervals is { } iv)
            {
                w.WriteStartObject("intervals"); w.WriteNumber("replicates", pa.Replicates);
                foreach (var (name, v) in iv) { w.WriteStartArray(name); w.Number(v.Lower); w.Number(v.Upper); w.WriteEndArray(); }
                w.WriteEndObject();
            }
            TrustJson.Trust(w, pa.Trust);
            w.WriteStartObject("chinchilla");
            Point(w, c, caps?[i].Baseline, sos);
            w.Number("k_unrounded", pa.Plan.ChinchillaRawK);
            TrustJson.Trust(w, pa.ChinchillaTrust);
            w.WriteEndObject();
            extra?.Invoke(w, i);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Render(IAnsiConsole console, List<ApproachPlan> plans, List<string?> labels)
    {
        var b0 = plans[0].Budget;
        console.MarkupLine(b0.CTotal is { } ct
            ? $"Budget: C_total = {Format.Sig(ct)} FLOPs = 6ND + Q·L·2N·k with Q = {Format.Sig(b0.Queries)} queries of L = {Format.Sig(b0.TokensPerQuery)} tokens{(b0.IntegerK ? ", integer k" : "")}"
            : b0.FixedK is { } fk ? $"Budget: D = C_train/6N with fixed k = {Format.Sig(fk)}" : $"Budget: C_train = 6ND, C_inf = 2Nk = {Format.Sig(b0.CInf)} FLOPs per served token (k = C_inf/2N){(b0.IntegerK ? ", integer k" : "")}");
        console.MarkupLine("Approach 1 minimises NLL_k (nats); Approach 2 maximises Acc_k. Chinchilla = N_opt of the stage-1 law at C_train, scored at its own k.");
        console.MarkupLine("Columns: T² optimum N*, D*/N*, k*, metric m*; Chinchilla baseline N_c, D/N_c, k_c, m_c.");
        foreach (var g in plans.Select((pa, i) => (pa.Budget.PostTrainingTokens, labels[i])).Where(x => x.PostTrainingTokens > 0).Distinct())
            console.MarkupLine(Markup.Escape($"Post-training counted{(g.Item2 is { } v ? $" ({v})" : "")}: 6N(D + D_post) = C_train with D_post = {Format.Sig(g.PostTrainingTokens)} tokens (D, D/N: pretraining only)."));
        var rows = new List<string[]>();
        var notes = new List<string>();
        for (int i = 0; i < plans.Count; i++)
        {
            var pa = plans[i];
            var b = pa.Budget; var o = pa.Plan.Optimum; var c = pa.Plan.Chinchilla;
            string budget = b.CTotal is not null ? Format.Sig(T2.Core.Planning.Budgets.TrainFlops(o.N, o.D + b.PostTrainingTokens)) : Format.Sig(b.CTrain);
            rows.Add([Markup.Escape(Label(pa.Task, labels[i])), budget, pa.Approach, Format.Sig(o.N), Format.Sig(o.TokensPerParameter), Format.Sig(o.K), Format.Sig(o.Predicted),
                Format.Sig(c.N), Format.Sig(c.TokensPerParameter), Format.Sig(c.K), Format.Sig(c.Predicted)]);
            var n = new List<string> { $"N within 1 % of the optimum: {Format.Sig(pa.Plan.FlatNMin)}–{Format.Sig(pa.Plan.FlatNMax)}" };
            if (pa.Intervals is { } iv)
                n.Add(Markup.Escape($"bootstrap ({pa.Replicates} replicates): N* {I(iv["N"])}, D*/N* {I(iv["tokens_per_param"])}, k* {I(iv["k"])}, metric {I(iv["predicted"])}"));
            notes.Add($"{Markup.Escape(Label(pa.Task, labels[i]))}, C_train {budget}, approach {pa.Approach}: " + string.Join("; ", n));
            notes.Add($"  T² optimum trust: {HealthView.Verdict(pa.Trust)}");
            notes.Add($"  Chinchilla trust: {HealthView.Verdict(pa.ChinchillaTrust)}");
        }
        Tables.Write(console, ["task", "C_train", "A", "N*", "D/N*", "k*", "m*", "N_c", "D/N_c", "k_c", "m_c"], rows, new HashSet<int> { 3, 4, 5, 6, 7, 8, 9, 10 });
        foreach (var n in notes) console.MarkupLine(n);
    }

    private static void WallJson(System.Text.Json.Utf8JsonWriter w, ApproachPlan walled, ApproachPlan free, double u, bool published, T2.Core.Laws.WallForm form)
    {
        var o = walled.Plan.Optimum; var f = free.Plan.Optimum;
        w.WriteStartObject("data_wall");
        w.Number("unique_tokens", u); w.WriteString("law", form.ToString().ToLowerInvariant()); w.WriteBoolean("published_constants", published);
        w.Number("epochs", o.D / u); w.WriteBoolean("exceeds_unique_tokens", o.D > u);
        w.WriteStartObject("unlimited_data"); Point(w, f); w.WriteEndObject();
        w.WriteStartObject("moved"); w.Number("N", o.N / f.N); w.Number("D", o.D / f.D); w.Number("k", o.K / f.K); w.Number("predicted", o.Predicted - f.Predicted); w.WriteEndObject();
        // What the wall costs: the unlimited-data optimum's metric against the best plan with U unique tokens.
        w.Number("cost", walled.Metric == "nll_k" ? o.Predicted - f.Predicted : f.Predicted - o.Predicted);
        w.WriteEndObject();
    }

    private static void RenderWall(IAnsiConsole console, List<ApproachPlan> plans, List<ApproachPlan> free, List<string?> labels, double u, bool published, T2.Core.Laws.WallForm form)
    {
        console.MarkupLine(Markup.Escape($"Data wall: U = {Format.Sig(u)} unique tokens, {(form == T2.Core.Laws.WallForm.Muennighoff ? "Muennighoff et al. 2023's effective data and parameters" : "an additive over-fitting penalty")}" +
            $"{(published ? " with their published R*_D = 15.4, R*_N = 5.3 (not fitted on these data)" : " fitted by 't2 fit data-wall'")}. The table above plans with the wall; beside it, the unlimited-data plan:"));
        var rows = new List<string[]>();
        for (int i = 0; i < plans.Count; i++)
        {
            var o = plans[i].Plan.Optimum; var f = free[i].Plan.Optimum;
            double cost = plans[i].Metric == "nll_k" ? o.Predicted - f.Predicted : f.Predicted - o.Predicted;
            rows.Add([Markup.Escape(Label(plans[i].Task, labels[i])), Format.Sig(plans[i].Budget.CTrain), plans[i].Approach, Format.Sig(f.N), Format.Sig(f.D), Format.Sig(f.K), Format.Sig(f.Predicted),
                Format.Sig(o.N), Format.Sig(o.D), Format.Sig(o.D / u), Format.Sig(o.Predicted), Format.Sig(cost)]);
        }
        Tables.Write(console, ["task", "C_train", "A", "N* unlimited", "D*", "k*", "m*", "N* at wall", "D*", "epochs", "m*", "cost of wall"], rows,
            new HashSet<int> { 3, 4, 5, 6, 7, 8, 9, 10, 11 });
        int over = plans.Count(pa => pa.Plan.Optimum.D > u);
        console.MarkupLine($"{over} of {plans.Count} plans train past the unique data (epochs > 1); the cost is the metric lost against unlimited data (nats for Approach 1, accuracy for 2).");
    }

    private static string I(Interval i) => $"[{Format.Sig(i.Lower)}, {Format.Sig(i.Upper)}]";

    private static int LossPlan(CliContext ctx, LossFitFile.Doc doc, double[] budgets, double level, bool json, bool strict)
    {
        var law = LossFitFile.Law(doc);
        var reps = (doc.Bootstrap?.Replicates ?? []).Select(LossFitFile.Law).ToList();
        var rows = budgets.Select(c =>
        {
            var o = law.ComputeOptimal(c);
            var opt = reps.Select(r => r.ComputeOptimal(c)).ToList();
            return (C: c, O: o, Trust: LossFitFile.Trust(doc, o.N, o.D),
                N: Percentile.Of(opt.Select(x => x.N), level, o.N), D: Percentile.Of(opt.Select(x => x.D), level, o.D),
                R: Percentile.Of(opt.Select(x => x.TokensPerParameter), level, o.TokensPerParameter), L: Percentile.Of(opt.Select(x => x.Loss), level, o.Loss));
        }).ToList();
        if (json)
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject(); w.WriteString("kind", "loss"); w.WriteNumber("replicates", reps.Count); w.Number("level", level);
                w.WriteStartArray("plans");
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.Number("c_train", r.C); w.Number("N", r.O.N); w.Number("D", r.O.D); w.Number("tokens_per_param", r.O.TokensPerParameter); w.Number("loss", r.O.Loss);
                    if (reps.Count > 0)
                    {
                        w.WriteStartObject("intervals");
                        foreach (var (name, iv) in new[] { ("N", r.N), ("D", r.D), ("tokens_per_param", r.R), ("loss", r.L) })
                        { w.WriteStartArray(name); w.Number(iv.Lower); w.Number(iv.Upper); w.WriteEndArray(); }
                        w.WriteEndObject();
                    }
                    TrustJson.Trust(w, r.Trust);
                    w.WriteEndObject();
                }
                w.WriteEndArray(); w.WriteEndObject();
            }));
        else
        {
            ctx.Console.MarkupLine($"[bold]Compute-optimal allocation[/] from the loss law (training only, C = 6ND){(reps.Count > 0 ? $", {level:P0} intervals over {reps.Count} bootstrap replicates" : "")}");
            Tables.Write(ctx.Console, ["C_train", "N_opt", "D_opt", "D/N", "loss"], rows.Select(r => reps.Count > 0
                ? new[] { Format.Sig(r.C), Markup.Escape($"{Format.Sig(r.O.N)} {I(r.N)}"), Markup.Escape($"{Format.Sig(r.O.D)} {I(r.D)}"),
                    Markup.Escape($"{Format.Sig(r.O.TokensPerParameter)} {I(r.R)}"), Markup.Escape($"{Format.Sig(r.O.Loss, 4)} {I(r.L)}") }
                : [Format.Sig(r.C), Format.Sig(r.O.N), Format.Sig(r.O.D), Format.Sig(r.O.TokensPerParameter), Format.Sig(r.O.Loss, 4)]).ToList(),
                new HashSet<int> { 0, 1, 2, 3, 4 });
            foreach (var r in rows) ctx.Console.MarkupLine($"C = {Format.Sig(r.C)}: trust: {HealthView.Verdict(r.Trust)}");
        }
        return CommonOptions.Exit(0, strict, rows.Select(r => new Finding("plan_trust", r.Trust.Severity, r.Trust.Verdict)));
    }
}
