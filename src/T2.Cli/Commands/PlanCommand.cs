using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary><c>t2 plan</c>: the joint optimum (N*, D*, k*) under a budget, beside the Chinchilla baseline.</summary>
public static class PlanCommand
{
    public static Command Build(CliContext ctx)
    {
        var fit = new Option<string>("--fit") { Description = "Fit file from 't2 fit t2'.", Required = true };
        var cTrain = new Option<string?>("--c-train") { Description = "Training budget C_train = 6ND in FLOPs (a comma list plans several)." };
        var cInf = new Option<double?>("--c-inf") { Description = "Inference budget per served token, C_inf = 2Nk FLOPs (k = C_inf/2N)." };
        var k = new Option<double?>("--k") { Description = "Fixed samples per query instead of --c-inf." };
        var integerK = new Option<bool>("--integer-k") { Description = "Restrict k to integers ≥ 1 (k = ⌊C_inf/2N⌋)." };
        var cTotal = new Option<double?>("--c-total") { Description = "One end-to-end budget 6ND + Q·L·2N·k (with --queries and --tokens-per-query)." };
        var queries = new Option<double?>("--queries") { Description = "Queries Q served over the model's life (with --c-total)." };
        var tpq = new Option<double?>("--tokens-per-query") { Description = "Tokens L per sampled answer (with --c-total)." };
        var task = new Option<string?>("--task") { Description = "Plan only this task." };
        var level = new Option<double>("--level") { Description = "Interval level for bootstrap replicates in the fit.", DefaultValueFactory = _ => 0.95 };
        var json = new Option<bool>("--json") { Description = "Print {\"plans\": [...]}." };
        var cmd = new Command("plan", "Optimal (N, D, k) per task and approach for a budget, with the Chinchilla baseline scored at its own k.")
        { fit, cTrain, cInf, k, integerK, cTotal, queries, tpq, task, level, json };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(fit)!;
            var doc = FitFile.Read(path);
            var budgets = Budgets(p.GetValue(cTrain), p.GetValue(cInf), p.GetValue(k), p.GetValue(integerK), p.GetValue(cTotal), p.GetValue(queries), p.GetValue(tpq));
            var plans = new List<PlanSupport.PlannedApproach>();
            var budgetOf = new List<PlanBudget>();
            foreach (var b in budgets)
                foreach (var t in PlanSupport.Tasks(doc, p.GetValue(task), path))
                    foreach (var pa in PlanSupport.PlanTask(t, b, p.GetValue(level))) { plans.Add(pa); budgetOf.Add(b); }
            if (p.GetValue(json)) ctx.Out.WriteLine(ToJson(plans, budgetOf));
            else Render(ctx.Console, plans, budgetOf);
            return 0;
        });
        return cmd;
    }

    public static List<PlanBudget> Budgets(string? cTrain, double? cInf, double? k, bool integerK, double? cTotal, double? q, double? l)
    {
        if (cTotal is not null)
        {
            if (q is null || l is null) throw new UsageException("--c-total needs --queries and --tokens-per-query.");
            if (cTrain is not null || cInf is not null || k is not null) throw new UsageException("--c-total replaces --c-train, --c-inf and --k.");
            return [new PlanBudget { CTotal = cTotal, Queries = q.Value, TokensPerQuery = l.Value, IntegerK = integerK }];
        }
        if (cTrain is null) throw new UsageException("give --c-train (with --c-inf or --k), or --c-total.");
        if (cInf is null && k is null) throw new UsageException("give --c-inf (inference FLOPs per token) or a fixed --k.");
        if (cInf is not null && k is not null) throw new UsageException("--k fixes k; do not also give --c-inf.");
        return ParseLists.Doubles(cTrain, "--c-train").Select(c => new PlanBudget { CTrain = c, CInf = cInf ?? 0, FixedK = k, IntegerK = integerK }).ToList();
    }

    private static string ToJson(List<PlanSupport.PlannedApproach> plans, List<PlanBudget> budgets) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("plans");
        for (int i = 0; i < plans.Count; i++)
        {
            var pa = plans[i]; var b = budgets[i]; var o = pa.Plan.Optimum; var c = pa.Plan.Chinchilla;
            w.WriteStartObject();
            w.WriteString("task", pa.Task); w.WriteString("approach", pa.Approach); w.WriteString("metric", pa.MetricName);
            if (b.CTotal is { } ct) { w.Number("c_total", ct); w.Number("queries", b.Queries); w.Number("tokens_per_query", b.TokensPerQuery); }
            else { w.Number("c_train", b.CTrain); if (b.FixedK is { } fk) w.Number("fixed_k", fk); else w.Number("c_inf", b.CInf); }
            w.WriteBoolean("integer_k", b.IntegerK);
            w.Number("N", o.N); w.Number("D", o.D); w.Number("k", o.K); w.Number("tokens_per_param", o.TokensPerParameter); w.Number("predicted", o.Predicted);
            w.WriteStartArray("flat_n_within_1pct"); w.Number(pa.Plan.FlatNMin); w.Number(pa.Plan.FlatNMax); w.WriteEndArray();
            w.WriteStartArray("extrapolated"); foreach (var f in pa.Plan.Extrapolated) w.WriteStringValue(f); w.WriteEndArray();
            w.WriteBoolean("at_search_boundary", pa.Plan.AtSearchBoundary);
            if (pa.Intervals is { } iv)
            {
                w.WriteStartObject("intervals"); w.WriteNumber("replicates", pa.Replicates);
                foreach (var (name, v) in iv) { w.WriteStartArray(name); w.Number(v.Lower); w.Number(v.Upper); w.WriteEndArray(); }
                w.WriteEndObject();
            }
            w.WriteStartObject("chinchilla");
            w.Number("N", c.N); w.Number("D", c.D); w.Number("k", c.K); w.Number("tokens_per_param", c.TokensPerParameter); w.Number("predicted", c.Predicted);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Render(IAnsiConsole console, List<PlanSupport.PlannedApproach> plans, List<PlanBudget> budgets)
    {
        var b0 = budgets[0];
        console.MarkupLine(b0.CTotal is { } ct
            ? $"Budget: C_total = {Format.Sig(ct)} FLOPs = 6ND + Q·L·2N·k with Q = {Format.Sig(b0.Queries)} queries of L = {Format.Sig(b0.TokensPerQuery)} tokens{(b0.IntegerK ? ", integer k" : "")}"
            : b0.FixedK is { } fk ? $"Budget: D = C_train/6N with fixed k = {Format.Sig(fk)}" : $"Budget: C_train = 6ND, C_inf = 2Nk = {Format.Sig(b0.CInf)} FLOPs per served token (k = C_inf/2N){(b0.IntegerK ? ", integer k" : "")}");
        console.MarkupLine("Approach 1 minimises NLL_k (nats); Approach 2 maximises Acc_k. Chinchilla = N_opt of the stage-1 law at C_train, scored at its own k.");
        console.MarkupLine("Columns: T² optimum N*, D*/N*, k*, metric m*; Chinchilla baseline N_c, D/N_c, k_c, m_c.");
        var t = new Table().Border(TableBorder.Simple).AddColumn("task").AddColumn("C_train").AddColumn("A")
            .AddColumn(new TableColumn("N*").RightAligned()).AddColumn(new TableColumn("D/N*").RightAligned()).AddColumn(new TableColumn("k*").RightAligned())
            .AddColumn(new TableColumn("m*").RightAligned())
            .AddColumn(new TableColumn("N_c").RightAligned()).AddColumn(new TableColumn("D/N_c").RightAligned()).AddColumn(new TableColumn("k_c").RightAligned())
            .AddColumn(new TableColumn("m_c").RightAligned());
        var notes = new List<string>();
        for (int i = 0; i < plans.Count; i++)
        {
            var pa = plans[i]; var b = budgets[i]; var o = pa.Plan.Optimum; var c = pa.Plan.Chinchilla;
            string budget = b.CTotal is { } tot ? Format.Sig(o.TrainFlops) : Format.Sig(b.CTrain);
            t.AddRow(Markup.Escape(pa.Task), budget, pa.Approach, Format.Sig(o.N), Format.Sig(o.TokensPerParameter), Format.Sig(o.K), Format.Sig(o.Predicted),
                Format.Sig(c.N), Format.Sig(c.TokensPerParameter), Format.Sig(c.K), Format.Sig(c.Predicted));
            var n = new List<string> { $"N within 1 % of the optimum: {Format.Sig(pa.Plan.FlatNMin)}–{Format.Sig(pa.Plan.FlatNMax)}" };
            if (pa.Intervals is { } iv)
                n.Add(Markup.Escape($"bootstrap ({pa.Replicates} replicates): N* [{Format.Sig(iv["N"].Lower)}, {Format.Sig(iv["N"].Upper)}], D*/N* [{Format.Sig(iv["tokens_per_param"].Lower)}, {Format.Sig(iv["tokens_per_param"].Upper)}], k* [{Format.Sig(iv["k"].Lower)}, {Format.Sig(iv["k"].Upper)}], metric [{Format.Sig(iv["predicted"].Lower)}, {Format.Sig(iv["predicted"].Upper)}]"));
            if (pa.Plan.Extrapolated.Count > 0) n.Add($"[yellow]outside the fitted range in {string.Join(", ", pa.Plan.Extrapolated)}[/]");
            if (pa.Plan.AtSearchBoundary) n.Add("[red]optimum at the edge of the search range[/]");
            if (c.K < 1) n.Add($"[yellow]the Chinchilla model cannot afford one sample per query (k_c = {Format.Sig(c.K)})[/]");
            notes.Add($"{Markup.Escape(pa.Task)}, C_train {budget}, approach {pa.Approach}: " + string.Join("; ", n));
        }
        console.Write(t);
        foreach (var n in notes) console.MarkupLine(n);
    }
}
