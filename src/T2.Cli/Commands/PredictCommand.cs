using System.CommandLine;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;

namespace T2.Cli.Commands;

/// <summary><c>t2 predict</c>: the fitted laws at given (N, D, k) points.</summary>
public static class PredictCommand
{
    public static Command Build(CliContext ctx)
    {
        var fit = new Option<string>("--fit") { Description = "Fit file from 't2 fit t2'.", Required = true };
        var n = new Option<string>("--n") { Description = "Parameters N (comma list; one value is broadcast).", Required = true };
        var d = new Option<string>("--d") { Description = "Training tokens D (comma list; one value is broadcast).", Required = true };
        var k = new Option<string>("--k") { Description = "Samples per query k (comma list; one value is broadcast).", Required = true };
        var task = new Option<string?>("--task") { Description = "Only this task." };
        var json = new Option<bool>("--json") { Description = "Print a list of {task, n, d, k, nll_k, acc_k}." };
        var cmd = new Command("predict", "Evaluate the fitted laws: predicted NLL_k (Approach 1) and Acc_k (Approach 2).") { fit, n, d, k, task, json };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(fit)!;
            var doc = FitFile.Read(path);
            var ns = ParseLists.Doubles(p.GetValue(n)!, "--n"); var ds = ParseLists.Doubles(p.GetValue(d)!, "--d"); var ks = ParseLists.Doubles(p.GetValue(k)!, "--k");
            int m = new[] { ns.Length, ds.Length, ks.Length }.Max();
            foreach (var (flag, v) in new[] { ("--n", ns), ("--d", ds), ("--k", ks) })
            {
                if (v.Length != 1 && v.Length != m) throw new UsageException($"{flag} has {v.Length} values; lists must have equal lengths ({m}) or one value.");
                if (v.Any(x => !(x > 0))) throw new UsageException($"{flag}: values must be > 0.");
            }
            var rows = new List<(string Task, double N, double D, double K, double? Nll, double? Acc)>();
            foreach (var t in PlanSupport.Tasks(doc, p.GetValue(task), path))
            {
                var a1 = FitFile.A1(t); var a2 = FitFile.A2(t);
                for (int i = 0; i < m; i++)
                {
                    double nn = ns[ns.Length == 1 ? 0 : i], dd = ds[ds.Length == 1 ? 0 : i], kk = ks[ks.Length == 1 ? 0 : i];
                    rows.Add((t.Task, nn, dd, kk, a1?.Predict(nn, dd, kk), a2?.Predict(nn, dd, kk)));
                }
            }
            if (p.GetValue(json))
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartArray();
                    foreach (var r in rows)
                    {
                        w.WriteStartObject(); w.WriteString("task", r.Task); w.Number("n", r.N); w.Number("d", r.D); w.Number("k", r.K);
                        if (r.Nll is { } a) w.Number("nll_k", a); else w.WriteNull("nll_k");
                        if (r.Acc is { } b) w.Number("acc_k", b); else w.WriteNull("acc_k");
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }));
            else
            {
                var tb = new Table().AddColumn("task").AddColumn(new TableColumn("N").RightAligned()).AddColumn(new TableColumn("D").RightAligned())
                    .AddColumn(new TableColumn("k").RightAligned()).AddColumn(new TableColumn("NLL_k (A1)").RightAligned()).AddColumn(new TableColumn("Acc_k (A2)").RightAligned());
                foreach (var r in rows)
                    tb.AddRow(Markup.Escape(r.Task), Format.Short(r.N), Format.Short(r.D), Format.Short(r.K), r.Nll is { } a ? Format.Short(a) : "—", r.Acc is { } b ? Format.Short(b) : "—");
                ctx.Console.Write(tb);
            }
            return 0;
        });
        return cmd;
    }
}
