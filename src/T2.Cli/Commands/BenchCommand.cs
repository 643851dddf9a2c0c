using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Fitting;

namespace T2.Cli.Commands;

/// <summary><c>t2 bench fit</c>: times the full multi-start fit and the bootstrap in-process (start-up excluded; see README for the end-to-end figure).</summary>
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
                    w.WriteNumber("points", pts.N.Length); w.WriteNumber("starts", first.StartsTried); w.WriteNumber("threads", Environment.ProcessorCount);
                    w.Number("first_fit_ms", firstMs); w.Number("median_fit_ms", times[reps / 2]); w.Number("min_fit_ms", times[0]);
                    w.WriteNumber("bootstrap_resamples", b); w.Number("bootstrap_ms", bootMs); w.WriteNumber("bootstrap_succeeded", bootOk);
                    w.Number("objective", first.Objective);
                    w.WriteEndObject();
                }));
            else
            {
                var t = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                t.AddRow("points / starts / threads", $"{pts.N.Length} / {first.StartsTried} / {Environment.ProcessorCount}");
                t.AddRow("first fit (includes JIT)", $"{firstMs:F0} ms");
                t.AddRow($"median of {reps} fits", $"{times[reps / 2]:F0} ms");
                if (b > 0) t.AddRow($"{b} bootstrap fits", $"{bootMs:F0} ms ({bootOk} succeeded)");
                t.AddRow("best objective", Format.Full(first.Objective));
                ctx.Console.Write(t);
            }
            return 0;
        });
        bench.Subcommands.Add(fit);
        return bench;
    }
}
