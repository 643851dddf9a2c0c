using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary><c>t2 frontier</c>: the optimum across training budgets → CSV and PNG/SVG plots.</summary>
public static class FrontierCommand
{
    public static Command Build(CliContext ctx)
    {
        var fit = new Option<string>("--fit") { Description = "Fit file from 't2 fit t2'.", Required = true };
        var cInf = new Option<double>("--c-inf") { Description = "Inference FLOPs per served token (k = C_inf/2N).", Required = true };
        var from = new Option<double>("--from") { Description = "Smallest training budget (FLOPs).", DefaultValueFactory = _ => 1e17 };
        var to = new Option<double>("--to") { Description = "Largest training budget (FLOPs).", DefaultValueFactory = _ => 1e25 };
        var points = new Option<int>("--points") { Description = "Budgets, log-spaced.", DefaultValueFactory = _ => 50 };
        var integerK = new Option<bool>("--integer-k") { Description = "Restrict k to integers ≥ 1." };
        var task = new Option<string?>("--task") { Description = "Only this task." };
        var output = new Option<string>("--out") { Description = "Directory for frontier.csv and the plots.", Required = true };
        var cmd = new Command("frontier", "Optimal N*, D*, D*/N*, k* against C_train for both approaches and Chinchilla; CSV + PNG/SVG.")
        { fit, cInf, from, to, points, integerK, task, output };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(fit)!;
            var doc = FitFile.Read(path);
            double a = p.GetValue(from), b = p.GetValue(to), ci = p.GetValue(cInf);
            int m = p.GetValue(points);
            if (!(a > 0 && b > a)) throw new UsageException("--from and --to must satisfy 0 < from < to.");
            if (m < 2) throw new UsageException("--points must be ≥ 2.");
            if (!(ci > 0)) throw new UsageException("--c-inf must be > 0.");
            var dir = p.GetValue(output)!;
            var cs = Enumerable.Range(0, m).Select(i => Math.Exp(Math.Log(a) + (Math.Log(b) - Math.Log(a)) * i / (m - 1))).ToArray();
            var csv = new StringBuilder("task,approach,c_train,c_inf,N,D,tokens_per_param,k,predicted,metric,extrapolated\n");
            foreach (var t in PlanSupport.Tasks(doc, p.GetValue(task), path))
            {
                var series = new List<(string, PlanPoint[])>();
                var chin = new PlanPoint[m];
                var byApproach = new Dictionary<string, PlanPoint[]>();
                for (int i = 0; i < m; i++)
                {
                    var budget = new PlanBudget { CTrain = cs[i], CInf = ci, IntegerK = p.GetValue(integerK) };
                    foreach (var pa in PlanSupport.PlanTask(t, budget, 0.95, withIntervals: false))
                    {
                        if (!byApproach.TryGetValue(pa.Approach, out var arr)) byApproach[pa.Approach] = arr = new PlanPoint[m];
                        arr[i] = pa.Plan.Optimum;
                        chin[i] = pa.Plan.Chinchilla; // same (N, D, k) for both approaches: one stage-1 law per task
                        Row(csv, t.Task, "approach" + pa.Approach, cs[i], ci, pa.Plan.Optimum, pa.MetricName, string.Join("|", pa.Plan.Extrapolated));
                        Row(csv, t.Task, "chinchilla_scored_by_approach" + pa.Approach, cs[i], ci, pa.Plan.Chinchilla, pa.MetricName, "");
                    }
                }
                foreach (var (ap, arr) in byApproach) series.Add(($"T² approach {ap}", arr));
                series.Add(("Chinchilla (stage-1 law), k = C_inf/2N", chin));
                string safe = string.Concat(t.Task.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_'));
                Plots.Frontier(Path.Combine(dir, safe), cs, series, ci);
            }
            Directory.CreateDirectory(dir);
            var csvPath = Path.Combine(dir, "frontier.csv");
            var tmp = csvPath + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(tmp, csv.ToString());
            File.Move(tmp, csvPath, overwrite: true);
            ctx.Console.MarkupLine($"wrote {Markup.Escape(csvPath)} and plots under {Markup.Escape(dir)}/<task>/ (frontier_tokens_per_param, frontier_n, frontier_d, frontier_k; .png and .svg)");
            return 0;
        });
        return cmd;
    }

    private static void Row(StringBuilder sb, string task, string approach, double c, double ci, PlanPoint p, string metric, string flags) =>
        sb.AppendLine(string.Join(",", task.Contains(',') ? $"\"{task}\"" : task, approach, F(c), F(ci), F(p.N), F(p.D), F(p.TokensPerParameter), F(p.K), F(p.Predicted), metric, flags));

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
