using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Health;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary>
/// <c>plan --hardware FILE</c>: the FLOP-optimal and the dollar-optimal (N, D, k) side by side on one device, each with its
/// training dollars, dollars and latency per query, and what bounds decode (<see cref="HardwareCost"/>).
/// </summary>
public static class HardwarePlan
{
    public sealed record Options(Option<string?> Hardware, Option<double?> TrainUsd, Option<double?> QueryUsd, Option<double?> MaxLatency,
        Option<double> PromptTokens, Option<double> AnswerTokens, Option<double> AspectRatio, Option<double> KvShare)
    {
        public IEnumerable<Option> All => [Hardware, TrainUsd, QueryUsd, MaxLatency, PromptTokens, AnswerTokens, AspectRatio, KvShare];
    }

    public static Options Build()
    {
        static Option<double?> Pos(string name, string d, double max)
        {
            var o = new Option<double?>(name) { Description = d };
            o.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is { } v && (!double.IsFinite(v) || !(v > 0) || v > max)) r.AddError($"{name} must be finite, > 0 and ≤ {max:G3}."); });
            return o;
        }
        static Option<double> Num(string name, string d, double def, double min, double max)
        {
            var o = new Option<double>(name) { Description = d, DefaultValueFactory = _ => def };
            o.Validators.Add(r => { double v = r.GetValueOrDefault<double>(); if (!double.IsFinite(v) || v < min || v > max) r.AddError($"{name} must lie in [{min:G3}, {max:G3}]."); });
            return o;
        }
        return new Options(
            new Option<string?>("--hardware") { Description = "Device JSON (peak FLOP/s, bandwidth, memory, $/hour, MFUs; examples/hardware/): plans in time and dollars beside FLOPs." },
            Pos("--c-train-usd", "Training budget in dollars on the device (with --hardware; replaces --c-train).", 1e15),
            Pos("--c-inf-usd-per-query", "Serving budget in dollars per query (with --hardware; replaces --c-inf).", 1e9),
            Pos("--max-latency-s", "Latency limit per query in seconds (with --hardware): prefill plus the query's k samples decoded together.", 1e9),
            Num("--prompt-tokens", "Prompt tokens per query (with --hardware): prefilled once, its KV cache shared by the k samples.", 128, 0, 1e9),
            Num("--answer-tokens", "Tokens generated per sample (with --hardware).", 128, 1, 1e9),
            Num("--aspect-ratio", "Model shape d_model/n_layer (with --hardware; sets the KV cache per token: N ≈ 12·n_layer·d_model²).", 128, 1e-3, 1e6),
            Num("--kv-share", "KV heads / query heads (with --hardware; 1 multi-head, 0.125 grouped-query with 8 per group).", 1, 1e-6, 1));
    }

    public static bool Asked(ParseResult p, Options o) => p.GetValue(o.Hardware) is not null;

    /// <summary>Refuses hardware-only flags without --hardware (they would silently do nothing).</summary>
    public static void CheckUnused(ParseResult p, Options o)
    {
        if (p.GetValue(o.Hardware) is not null) return;
        foreach (var (opt, v) in new (Option, object?)[] { (o.TrainUsd, p.GetValue(o.TrainUsd)), (o.QueryUsd, p.GetValue(o.QueryUsd)), (o.MaxLatency, p.GetValue(o.MaxLatency)) })
            if (v is not null) throw new UsageException($"{opt.Name} needs --hardware FILE (the device that turns dollars and seconds into FLOPs).");
    }

    public static int Run(CliContext ctx, ParseResult p, Options o, string fitPath, FitFile.Doc doc, double[]? cTrain, double? cInf, double? k, bool integerK,
        double? cTotal, string? task, string? variant, bool countPost, double? postTokens, double level, bool json, bool strict)
    {
        if (cTotal is not null || k is not null) throw new UsageException("--hardware plans with --c-train and --c-inf (or their dollar forms); --c-total and --k are not combined with it.");
        string hwPath = p.GetValue(o.Hardware)!;
        var h = HardwareFile.Read(hwPath);
        var shape = new ServingShape
        {
            PromptTokens = p.GetValue(o.PromptTokens), AnswerTokens = p.GetValue(o.AnswerTokens), AspectRatio = p.GetValue(o.AspectRatio), KvShare = p.GetValue(o.KvShare),
        };
        double? trainUsd = p.GetValue(o.TrainUsd), queryUsd = p.GetValue(o.QueryUsd), maxLat = p.GetValue(o.MaxLatency);
        if ((trainUsd is null) != (queryUsd is null)) throw new UsageException("give both --c-train-usd and --c-inf-usd-per-query (or neither: then the dollars are what the FLOP plan costs).");
        var flopBudgets = new List<(PlanBudget Flops, DollarBudget? Usd)>();
        if (trainUsd is { } tu)
        {
            if (cTrain is not null || cInf is not null) throw new UsageException("--c-train-usd and --c-inf-usd-per-query replace --c-train and --c-inf.");
            var usd = new DollarBudget { Device = h, Shape = shape, TrainUsd = tu, UsdPerQuery = queryUsd!.Value, MaxLatencySeconds = maxLat };
            var (ct, ci) = HardwarePlanner.FlopEquivalent(usd);
            flopBudgets.Add((new PlanBudget { CTrain = ct, CInf = ci, IntegerK = integerK }, usd));
        }
        else
            flopBudgets.AddRange(PlanCommand.Budgets(cTrain, cInf, null, integerK, null, null, null).Select(b => (b, (DollarBudget?)null)));

        var rows = new List<(string? Variant, string Task, HardwareComparison C)>();
        var docs = FitFile.SelectVariants(doc, variant, fitPath);
        foreach (var vd in docs)
        {
            double post = PlanCommand.PostTokens(vd, fitPath, countPost, postTokens);
            foreach (var t in FitTasks.Select(vd, task, fitPath))
                foreach (var (fb, usd) in flopBudgets)
                {
                    List<HardwareComparison> cs;
                    try { cs = HardwarePlanner.Compare(t, fb with { PostTrainingTokens = post }, h, shape, usd, maxLat, level); }
                    catch (ArgumentException e)
                    {
                        throw new UsageException($"{t.Task}: these budgets buy no plan on {h.Name} (training {Format.Sig(fb.CTrain)} FLOPs, serving {Format.Sig(fb.CInf)} FLOPs per token): {e.Message.Split(" (Parameter")[0]}");
                    }
                    foreach (var c in cs) rows.Add((docs.Count > 1 || vd.Variant is not null ? vd.Variant ?? "base" : null, t.Task, c));
                }
        }
        if (json) ctx.Out.WriteLine(ToJson(h, hwPath, shape, rows));
        else Render(ctx.Console, h, shape, rows);
        return CommonOptions.Exit(0, strict, rows.SelectMany(r => PlanCommand.Findings(r.C.Flop).Concat(PlanCommand.Findings(r.C.Dollar))));
    }

    private static string Usd(double v) => !double.IsFinite(v) ? "—" : v >= 0.01 ? $"${Format.Sig(v)}" : $"${v:0.###e0}";

    private static void Render(IAnsiConsole console, Hardware h, ServingShape s, List<(string? Variant, string Task, HardwareComparison C)> rows)
    {
        console.MarkupLine(Markup.Escape($"Device: {h.Name} — peak {Format.Sig(h.PeakFlops)} FLOP/s, {Format.Sig(h.MemoryBandwidth)} B/s, {Format.Sig(h.MemoryBytes)} B, ${Format.Sig(h.UsdPerHour)}/h; " +
            $"MFU train {h.MfuTrain:0.##}, prefill {h.MfuPrefill:0.##}, decode {h.MfuDecode:0.##}; bandwidth used {h.BandwidthUtilisation:0.##}."));
        console.MarkupLine(Markup.Escape($"Queries: {Format.Sig(s.PromptTokens)} prompt tokens (prefilled once, shared by the k samples), {Format.Sig(s.AnswerTokens)} tokens per sample; " +
            $"model shape d_model/n_layer = {Format.Sig(s.AspectRatio)}, KV share {Format.Sig(s.KvShare)}."));
        var table = new List<string[]>();
        foreach (var (v, task, c) in rows)
        {
            string label = Markup.Escape(PlanCommand.Label(task, v));
            void Add(string what, PlanPoint pt, CostedPoint? cost)
            {
                var q = cost?.Query;
                table.Add([label, c.Flop.Approach, what, Format.Sig(pt.N), Format.Sig(pt.TokensPerParameter), Format.Sig(pt.K), Format.Sig(pt.Predicted),
                    cost is null ? "—" : Usd(cost.TrainUsd), q is null ? "—" : Usd(q.Usd), q is null ? "—" : Format.Sig(q.LatencySeconds),
                    q is null ? "—" : !q.Fits ? "does not fit" : q.MemoryBound ? "memory" : "compute"]);
            }
            Add("FLOP-optimal", c.Flop.Plan.Optimum, c.FlopCost);
            Add("  …served at the $ budget", c.FlopDeployed, null);
            Add("$-optimal", c.Dollar.Plan.Optimum, c.DollarCost);
            Add("Chinchilla at the $ budget", c.Dollar.Plan.Chinchilla, c.ChinchillaCost);
        }
        Tables.Write(console, ["task", "A", "plan", "N", "D/N", "k", "metric", "train $", "$/query", "latency s", "decode bound"], table,
            new HashSet<int> { 3, 4, 5, 6, 7, 8, 9 });
        foreach (var (v, task, c) in rows)
        {
            var b = c.Budget;
            console.MarkupLine(Markup.Escape($"{PlanCommand.Label(task, v)}, approach {c.Flop.Approach}: $ budget: training {Usd(b.TrainUsd)}, {Usd(b.UsdPerQuery)} per query" +
                (b.MaxLatencySeconds is { } ml ? $", latency ≤ {Format.Sig(ml)} s" : "") + $"; FLOP budget C_train {Format.Sig(c.Flop.Budget.CTrain)}, C_inf {Format.Sig(c.Flop.Budget.CInf)}."));
            console.MarkupLine($"  $-optimal trust: {HealthView.Verdict(c.Dollar.Trust)}");
        }
        console.MarkupLine("'…served at the $ budget': the FLOP-optimal model (its N and D) with the k the dollars per query actually buy on this device.");
    }

    private static string ToJson(Hardware h, string path, ServingShape s, List<(string? Variant, string Task, HardwareComparison C)> rows) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("hardware");
        w.WriteString("file", path); w.WriteString("name", h.Name); if (h.Source is { } src) w.WriteString("source", src);
        w.Number("peak_flops", h.PeakFlops); w.Number("memory_bandwidth", h.MemoryBandwidth); w.Number("memory_bytes", h.MemoryBytes); w.Number("usd_per_hour", h.UsdPerHour);
        w.Number("mfu_train", h.MfuTrain); w.Number("mfu_prefill", h.MfuPrefill); w.Number("mfu_decode", h.MfuDecode); w.Number("bandwidth_utilisation", h.BandwidthUtilisation);
        w.Number("bytes_per_parameter", h.BytesPerParameter); w.Number("kv_bytes_per_element", h.KvBytesPerElement); w.Number("max_batch", h.MaxBatch);
        w.WriteEndObject();
        w.WriteStartObject("queries");
        w.Number("prompt_tokens", s.PromptTokens); w.Number("answer_tokens", s.AnswerTokens); w.Number("aspect_ratio", s.AspectRatio); w.Number("kv_share", s.KvShare);
        w.WriteEndObject();
        w.WriteStartArray("comparisons");
        foreach (var (v, task, c) in rows)
        {
            w.WriteStartObject();
            w.WriteString("task", task); if (v is not null) w.WriteString("variant", v);
            w.WriteString("approach", c.Flop.Approach); w.WriteString("metric", c.Flop.Metric);
            w.WriteStartObject("usd_budget");
            w.Number("train", c.Budget.TrainUsd); w.Number("per_query", c.Budget.UsdPerQuery);
            if (c.Budget.MaxLatencySeconds is { } ml) w.Number("max_latency_s", ml); else w.WriteNull("max_latency_s");
            w.WriteEndObject();
            w.WriteStartObject("flop_budget"); w.Number("c_train", c.Flop.Budget.CTrain); w.Number("c_inf", c.Flop.Budget.CInf); w.WriteEndObject();
            if (c.Flop.Budget.PostTrainingTokens > 0) w.Number("post_training_tokens_counted", c.Flop.Budget.PostTrainingTokens);
            Point(w, "flop_optimal", c.Flop.Plan.Optimum, c.FlopCost, c.Flop.Trust);
            Point(w, "flop_optimal_served_at_usd_budget", c.FlopDeployed, null, null);
            Point(w, "usd_optimal", c.Dollar.Plan.Optimum, c.DollarCost, c.Dollar.Trust);
            Point(w, "chinchilla_at_usd_budget", c.Dollar.Plan.Chinchilla, c.ChinchillaCost, c.Dollar.ChinchillaTrust);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Point(Utf8JsonWriter w, string name, PlanPoint p, CostedPoint? cost, PlanTrust? trust)
    {
        w.WriteStartObject(name);
        w.Number("N", p.N); w.Number("D", p.D); w.Number("k", p.K); w.Number("tokens_per_param", p.TokensPerParameter); w.Number("predicted", p.Predicted);
        if (cost is not null)
        {
            var q = cost.Query;
            w.Number("train_usd", cost.TrainUsd); w.Number("usd_per_query", q.Usd); w.Number("latency_s", q.LatencySeconds); w.Number("prefill_s", q.PrefillSeconds);
            w.Number("device_seconds_per_token", q.SecondsPerToken); w.Number("batch", q.Batch);
            w.WriteString("decode_bound", !q.Fits ? "does_not_fit" : q.MemoryBound ? "memory" : "compute");
        }
        if (trust is not null) TrustJson.Trust(w, trust);
        w.WriteEndObject();
    }
}
