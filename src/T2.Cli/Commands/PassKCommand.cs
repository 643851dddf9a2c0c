using System.CommandLine;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.PassK;

namespace T2.Cli.Commands;

/// <summary><c>t2 passk</c>: per-group mean pass@k and NLL@k from per-question evidence.</summary>
public static class PassKCommand
{
    public sealed record Row(string[] Group, double K, int Questions, double PassAtK, double NegLogMeanPassAtK, double MeanNegLogPassAtK);

    public static Command Build(CliContext ctx)
    {
        var data = new Option<string>("--data") { Description = "CSV or JSONL, one row per question: num_samples,num_correct (or n,c) or nll.", Required = true };
        var k = CommonOptions.Numbers("--k", "Comma-separated k values (real k allowed, > 0), e.g. 1,10,100.", 0, T2.Core.Planning.Limits.MaxK, defaultText: "1");
        var group = new Option<string[]>("--group") { Description = "Group rows by this column (repeatable), e.g. --group model." };
        var where = new Option<string[]>("--where") { Description = "Keep rows where COL=VALUE (repeatable)." };
        var samples = new Option<string?>("--samples-col") { Description = "Column of samples per question (default num_samples/n)." };
        var correct = new Option<string?>("--correct-col") { Description = "Column of correct samples (default num_correct/c)." };
        var nll = new Option<string?>("--nll-col") { Description = "Column of the gold answer's NLL in nats (default nll); forces likelihood evidence." };
        var json = new Option<bool>("--json") { Description = "Print a JSON list of rows {group columns…, k, pass_at_k, …}." };
        var qCol = new Option<string?>("--question-col") { Description = "Question id column (default question/problem_idx/id/…); a question twice in one group is an error, as in 'fit t2'." };
        var cmd = new Command("passk", "Mean pass@k (unbiased from counts, exact from NLL) and NLL@k per group.")
        { data, k, group, where, samples, correct, nll, json, qCol };
        cmd.SetAction(p =>
        {
            var table = DataTable.Read(p.GetValue(data)!).Where(p.GetValue(where) ?? []);
            var ks = p.GetValue(k)!;
            if (ks.Any(v => !(v > 0))) throw new UsageException("--k: every k must be > 0.");
            var groups = p.GetValue(group) ?? [];
            foreach (var g in groups) if (!table.Has(g)) throw new InputException(table.Path, 1, g, $"--group names a column the file does not have (columns: {string.Join(", ", table.Columns)}).");
            var ev = QuestionEvidence.From(table, p.GetValue(samples), p.GetValue(correct), p.GetValue(nll));
            string? q = p.GetValue(qCol) ?? table.FirstPresent(EvidenceData.QuestionNames);
            if (p.GetValue(qCol) is { } qc && !table.Has(qc)) throw new InputException(table.Path, 1, qc, "--question-col names a column the file does not have.");
            if (q is not null) RejectDuplicates(table, groups, q);
            var rows = Compute(ev, groups, ks);
            if (p.GetValue(json)) ctx.Out.WriteLine(ToJson(rows, groups));
            else Render(ctx.Console, rows, groups, ev.Kind);
            return 0;
        });
        return cmd;
    }

    /// <summary>A question counted twice in one group would weigh it twice in the mean: a located error, as in 'fit t2'.</summary>
    public static void RejectDuplicates(DataTable t, string[] groups, string question)
    {
        var gi = groups.Select(t.IndexOf).ToArray(); int qi = t.IndexOf(question);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in t.Rows)
        {
            string key = string.Join("\u0001", gi.Select(c => row.Values[c])) + "\u0002" + row.Values[qi];
            if (!seen.Add(key))
                throw new InputException(t.Path, row.Line, question, $"question '{row.Values[qi]}' appears twice in group ({string.Join(", ", gi.Select(c => row.Values[c]))}); --group by the columns that tell the rows apart.");
        }
    }

    public static List<Row> Compute(QuestionEvidence ev, string[] groups, double[] ks)
    {
        var t = ev.Table;
        var gi = groups.Select(t.IndexOf).ToArray();
        var byGroup = Enumerable.Range(0, t.Rows.Count)
            .GroupBy(r => string.Join("\u0001", gi.Select(c => t.Rows[r].Values[c])))
            .Select(g => g.ToArray());
        var rows = new List<Row>();
        foreach (var idx in byGroup)
        {
            var key = gi.Select(c => t.Rows[idx[0]].Values[c]).ToArray();
            foreach (var k in ks)
            {
                if (ev.Samples is not null)
                {
                    var n = idx.Select(i => ev.Samples[i]).ToArray(); var c = idx.Select(i => ev.Correct![i]).ToArray();
                    for (int j = 0; j < idx.Length; j++)
                        if (k > n[j]) throw new InputException(t.Path, t.Rows[idx[j]].Line, null, $"k = {k} exceeds this question's {n[j]} samples: pass@k has no unbiased estimate for k > n.");
                    double sum = 0, negLog = 0;
                    for (int j = 0; j < n.Length; j++) { sum += PassAtK.Unbiased(n[j], c[j], k); negLog += PassAtK.NegLogUnbiased(n[j], c[j], k); }
                    double mean = sum / n.Length;
                    rows.Add(new Row(key, k, n.Length, mean, -Math.Log(mean), negLog / n.Length));
                }
                else
                {
                    var v = idx.Select(i => ev.Nll![i]).ToArray();
                    double mean = TaskPassAtK.MeanFromNll(v, k);
                    rows.Add(new Row(key, k, v.Length, mean, -Math.Log(mean), TaskPassAtK.MeanNegLogFromNll(v, k)));
                }
            }
        }
        return rows;
    }

    private static string ToJson(List<Row> rows, string[] groups) => Json.Write(w =>
    {
        w.WriteStartArray();
        foreach (var r in rows)
        {
            w.WriteStartObject();
            for (int i = 0; i < groups.Length; i++) w.WriteString(groups[i], r.Group[i]);
            w.Number("k", r.K); w.WriteNumber("questions", r.Questions);
            w.Number("pass_at_k", r.PassAtK);
            w.Number("neg_log_pass_at_k", r.NegLogMeanPassAtK);
            w.Number("nll_at_k", r.MeanNegLogPassAtK);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void Render(IAnsiConsole console, List<Row> rows, string[] groups, string kind)
    {
        console.MarkupLine(kind == "counts"
            ? "pass@k: unbiased estimator 1 − C(n−c,k)/C(n,k) per question, averaged; NLL@k = mean of −log pass@k (∞ when a question was never solved)"
            : "pass@k: exact from the answer likelihood, 1 − (1 − e^−nll)^k per question, averaged; NLL@k = mean of −log pass@k");
        var t = new Table();
        foreach (var g in groups) t.AddColumn(Markup.Escape(g));
        t.AddColumn(new TableColumn("k").RightAligned()).AddColumn(new TableColumn("questions").RightAligned())
         .AddColumn(new TableColumn("pass@k").RightAligned()).AddColumn(new TableColumn("−log pass@k").RightAligned())
         .AddColumn(new TableColumn("NLL@k").RightAligned());
        foreach (var r in rows)
            t.AddRow([.. r.Group.Select(Markup.Escape), Format.Short(r.K), r.Questions.ToString(), Format.Short(r.PassAtK), Format.Short(r.NegLogMeanPassAtK), Format.Short(r.MeanNegLogPassAtK)]);
        console.Write(t);
    }
}
