using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Fitting;

namespace T2.Cli.Commands;

/// <summary><c>t2 bench fit</c>: times the full multi-start fit and the bootstrap in-process (start-up excluded; see docs/speed.md for the end-to-end figure).</summary>
public static class BenchCommand
{
    public static Command Build(CliContext ctx)
    {
        var bench = new Command("bench", "Benchmarks.");
        var data = new Option<string>("--data") { Description = "Loss data (as for 't2 fit loss').", Required = true };
        var where = new Option<string[]>("--where") { Description = "Keep rows where COL=VALUE (repeatable)." };
        var repeat = new Option<int>("--repeat") { Description = "Timed repetitions of the full fit.", DefaultValueFactory = _ => 5 };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples to time (0 = skip).", DefaultValueFactory = _ => 1000 };
        var json = new Option<bool>("--json") { Description = "JSON output." };
        var fit = new Command("fit", "Time the 4,500-start Chinchilla fit and a bootstrap on a data set.") { data, where, repeat, bootstrap, json };
        fit.SetAction(p =>
        {
            var table = DataTable.Read(p.GetValue(data)!).Where(p.GetValue(where) ?? []);
            var pts = LossData.From(table, null, null, null, null, null);
            var options = new ChinchillaFitOptions();
            int reps = Math.Max(1, p.GetValue(repeat));
            var sw = Stopwatch.StartNew();
            var first = ChinchillaFit.Fit(pts.N, pts.D, pts.Loss, options);
            double firstMs = sw.Elapsed.TotalMilliseconds;
            var times = new double[reps];
            for (int r = 0; r < reps; r++)
            {
                sw.Restart();
                ChinchillaFit.Fit(pts.N, pts.D, pts.Loss, options);
                times[r] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            double bootMs = double.NaN; int bootOk = 0, b = p.GetValue(bootstrap);
            if (b > 0)
            {
                sw.Restart();
                var br = ChinchillaBootstrap.Run(pts.N, pts.D, pts.Loss, options, first, new BootstrapOptions { Resamples = b, Seed = 1 });
                bootMs = sw.Elapsed.TotalMilliseconds; bootOk = br.Succeeded;
            }
            if (p.GetValue(json))
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("points", pts.N.Length); w.WriteNumber("starts", first.Diagnostics.StartsTried); w.WriteNumber("threads", Environment.ProcessorCount);
                    w.Number("first_fit_ms", firstMs); w.Number("median_fit_ms", times[reps / 2]); w.Number("min_fit_ms", times[0]);
                    w.WriteNumber("bootstrap_resamples", b); w.Number("bootstrap_ms", bootMs); w.WriteNumber("bootstrap_succeeded", bootOk);
                    w.Number("objective", first.Objective);
                    w.WriteEndObject();
                }));
            else
            {
                var t = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                t.AddRow("points / starts / threads", $"{pts.N.Length} / {first.Diagnostics.StartsTried} / {Environment.ProcessorCount}");
                t.AddRow("first fit (includes JIT)", $"{firstMs:F0} ms");
                t.AddRow($"median of {reps} fits", $"{times[reps / 2]:F0} ms");
                if (b > 0) t.AddRow($"{b} bootstrap fits", $"{bootMs:F0} ms ({bootOk} succeeded)");
                t.AddRow("best objective", Format.Full(first.Objective));
                ctx.Console.Write(t);
            }
            return 0;
        });
        bench.Subcommands.Add(fit);
        bench.Subcommands.Add(BuildT2(ctx));
        bench.Subcommands.Add(ServeBench.Build(ctx));
        bench.Subcommands.Add(DecodeBench.Build(ctx));
        return bench;
    }

    private static Command BuildT2(CliContext ctx)
    {
        var data = new Option<string>("--data") { Description = "Evidence (as for 't2 fit t2').", Required = true };
        var cols = new Option<string[]>("--col") { Description = "Column overrides as ROLE=NAME (checkpoint, n, d, task, question), e.g. --col n=N_params_non_embedding." };
        var where = new Option<string[]>("--where") { Description = "Row filters (as for 't2 fit t2')." };
        var json = new Option<bool>("--json") { Description = "JSON output." };
        var cmd = new Command("t2", "Time Approach 1 with 500 starts on an evidence file and a 100-point frontier from the fit.") { data, cols, where, json };
        cmd.SetAction(p =>
        {
            var table = DataTable.Read(p.GetValue(data)!).Where(p.GetValue(where) ?? []);
            var map = (p.GetValue(cols) ?? []).Select(c => c.Split('=', 2)).ToDictionary(a => a[0], a => a.Length > 1 ? a[1] : throw new UsageException($"--col {a[0]}: expected ROLE=NAME."));
            var c = new EvidenceData.Columns(map.GetValueOrDefault("checkpoint"), map.GetValueOrDefault("n"), map.GetValueOrDefault("d"), null,
                map.GetValueOrDefault("task"), map.GetValueOrDefault("question"), null, null, null);
            var (task, cps) = EvidenceData.Read(table, c, null).First();
            var o = new T2.Core.Fitting.T2FitOptions { Approach2 = false };
            var sw = Stopwatch.StartNew();
            var fit1 = T2.Core.Fitting.T2TaskFit.Fit(task, cps, o);
            double a1Ms = sw.Elapsed.TotalMilliseconds;
            var fit2 = T2.Core.Fitting.T2TaskFit.Fit(task, cps, o with { Approach1 = false, Approach2 = true });
            var law = fit2.Approach2!.Law;
            var metric = new T2.Core.Planning.PlanMetric("acc", law.Predict, true);
            sw.Restart();
            for (int i = 0; i < 100; i++)
                T2.Core.Planning.Planner.Plan(metric, new T2.Core.Planning.PlanBudget { CTrain = Math.Pow(10, 17 + 8.0 * i / 99), CInf = 1.4e11 }, law.Loss);
            double frontierMs = sw.Elapsed.TotalMilliseconds;
            if (p.GetValue(json))
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject(); w.WriteString("task", task); w.WriteNumber("checkpoints", cps.Count);
                    w.WriteNumber("approach1_starts", fit1.Approach1!.Diagnostics.StartsTried); w.Number("approach1_ms", a1Ms); w.Number("frontier_100_ms", frontierMs);
                    w.WriteEndObject();
                }));
            else
            {
                var t = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                t.AddRow("task / checkpoints", $"{task} / {cps.Count}");
                t.AddRow($"Approach 1, {fit1.Approach1!.Diagnostics.StartsTried} starts (curves + Beta checks included)", $"{a1Ms:F0} ms");
                t.AddRow("100-point frontier (Approach 2 planner)", $"{frontierMs:F0} ms");
                ctx.Console.Write(t);
            }
            return 0;
        });
        return cmd;
    }
}
