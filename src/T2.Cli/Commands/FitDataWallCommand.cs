using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Core.Evidence;
using T2.Core.Fitting;
using T2.Core.Health;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 fit data-wall</c>: the data-wall law (Muennighoff et al. 2023, and an additive over-fitting penalty) fitted per
/// task on repeated-data runs, the base stage-1 law held fixed from a T² fit of the unlimited-data ladder.
/// </summary>
public static class FitDataWallCommand
{
    public static Command Build(CliContext ctx)
    {
        var fit = CommonOptions.Fit("T² fit file of the unlimited-data runs ('t2 fit t2'): each task's stage-1 law is held fixed.");
        var data = CommonOptions.Data("Evidence of the repeated-data runs (a ladder's evidence-repeated.csv): N, D, unique tokens, task, nll or counts.");
        var uCol = new Option<string>("--unique-col") { Description = "Unique-tokens column.", DefaultValueFactory = _ => "unique_tokens" };
        var task = new Option<string?>("--task") { Description = "Fit only this task." };
        var reference = new Option<string?>("--reference") { Description = "Evidence of unlimited-data runs (the ladder's evidence.csv): a run with the same N and D (±2 %) is a repeated run's reference, so the wall is fitted on L(U)/L(∞) observed." };
        var output = CommonOptions.Out("Data-wall file to write (JSON, kind \"data_wall\"; written atomically).");
        var json = CommonOptions.Json("Also print the file to stdout.");
        var strict = CommonOptions.Strict();
        var cmd = new Command("data-wall", "Fit the data wall on repeated-data runs: Muennighoff's R*_D (and R*_N) and an additive penalty λ, with leave-one-out and held-out checks.")
        { fit, data, uCol, task, reference, output, json, strict };
        cmd.SetAction(p =>
        {
            string fitPath = p.GetValue(fit)!, dataPath = p.GetValue(data)!, outPath = p.GetValue(output)!;
            var doc = FitFile.Read(fitPath);
            var table = DataTable.Read(dataPath);
            string uName = p.GetValue(uCol)!;
            if (!table.Has(uName)) throw new InputException(dataPath, 1, uName, "missing: the repeated-data evidence needs the unique tokens of each run's corpus.");
            var tasks = EvidenceData.Read(table, EvidenceData.Columns.Defaults, p.GetValue(task));
            string ck = table.FirstPresent(EvidenceData.CheckpointNames)!;
            int ci = table.IndexOf(ck), ui = table.IndexOf(uName);
            var unique = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var r in table.Rows)
            {
                double u = table.Number(r, ui);
                if (!(u >= 1)) throw new InputException(dataPath, r.Line, uName, $"{u} must be ≥ 1.");
                if (unique.TryGetValue(r.Values[ci], out var prev) && prev != u) throw new InputException(dataPath, r.Line, uName, $"checkpoint {r.Values[ci]} has two corpus sizes ({prev} and {u}).");
                unique[r.Values[ci]] = u;
            }
            // References: unlimited-data runs of the same N and D — 1-epoch runs of the repeated file, and --reference's runs.
            var refs = new Dictionary<string, List<CheckpointEvidence>>(StringComparer.Ordinal);
            void AddRefs(Dictionary<string, List<CheckpointEvidence>> ev, Func<CheckpointEvidence, bool> keep)
            {
                foreach (var (tn, list) in ev)
                {
                    if (!refs.TryGetValue(tn, out var l)) refs[tn] = l = [];
                    l.AddRange(list.Where(keep));
                }
            }
            AddRefs(tasks, c => c.D <= unique[c.Name]);
            if (p.GetValue(reference) is { } refPath) AddRefs(EvidenceData.Read(DataTable.Read(refPath), EvidenceData.Columns.Defaults, p.GetValue(task)), _ => true);
            double? RefLoss(string tn, CheckpointEvidence c)
            {
                if (!refs.TryGetValue(tn, out var l)) return null;
                var m = l.Where(x => x.N == c.N && Math.Abs(x.D / c.D - 1) <= 0.02).Select(x => x.Curve([1.0], CountTarget.Aggregate).NllK[0]).Where(double.IsFinite).ToList();
                return m.Count > 0 ? m.Average() : null;
            }
            T2.IO.AtomicFile.Prepare(outPath);
            var fitted = doc.Tasks.Select(FitFile.Fitted).ToDictionary(t => t.Task, StringComparer.Ordinal);
            var results = new List<DataWallFitResult>();
            foreach (var (name, cps) in tasks.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!fitted.TryGetValue(name, out var ft))
                    throw new InputException(dataPath, 0, "task", $"task '{name}' is not in the fit file {fitPath} (tasks: {string.Join(", ", fitted.Keys)}).");
                var baseLaw = (ft.Approaches.FirstOrDefault(a => a.Approach == "2") ?? ft.Approaches[0]).Stage1;
                var runs = cps.Select(c => new WallRun(c.Name, c.N, c.D, unique[c.Name], c.Curve([1.0], CountTarget.Aggregate).NllK[0], RefLoss(name, c)))
                    .Where(r => double.IsFinite(r.Loss)).ToList();
                try { results.Add(DataWallFit.Fit(name, baseLaw, runs)); }
                catch (ArgumentException e) { throw new InputException(dataPath, 0, null, e.Message); }
            }
            var file = new DataWallFile.Doc(DataWallFile.Schema, "data_wall", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture), fitPath, dataPath,
                results.Select(DataWallFile.ToDoc).ToList());
            DataWallFile.Write(outPath, file);
            if (p.GetValue(json))
                ctx.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(file, FitFileIo.Info<DataWallFile.Doc>()));
            else Render(ctx.Console, results, outPath);
            return CommonOptions.Exit(0, p.GetValue(strict), results.SelectMany(r => r.Health));
        });
        return cmd;
    }

    private static double NoWall(DataWallFitResult r, string run)
    {
        var x = r.Runs.First(q => q.Name == run);
        return x.Reference ?? r.Base.Predict(x.N, x.D);
    }

    private static string Pct(double v) => Format.Percent(v);

    private static void Render(IAnsiConsole console, List<DataWallFitResult> results, string path)
    {
        console.MarkupLine($"[bold]Data wall[/] (base stage-1 law held fixed; loss = NLL_1 per run) → {Markup.Escape(path)}");
        var rows = new List<string[]>();
        foreach (var r in results)
        {
            var m = r.Muennighoff; var q = r.Penalty;
            rows.Add([Markup.Escape(r.Task), r.Runs.Count.ToString(CultureInfo.InvariantCulture),
                $"{Format.Sig(r.Runs.Min(x => x.Epochs))}–{Format.Sig(r.Runs.Max(x => x.Epochs))}", Pct(r.NoWallMeanAbsRelativeError),
                $"R*_D {Format.Sig(m.Law.RStarD)}{(r.RStarNIdentified ? $", R*_N {Format.Sig(m.Law.RStarN)}" : "")}", Pct(m.MeanAbsRelativeError), Pct(m.LeaveOneOutMeanAbsRelativeError),
                m.HeldOut is { } h ? Pct(h.RelativeError) : "—",
                $"λ {Format.Sig(q.Law.Lambda)}", Pct(q.MeanAbsRelativeError), Pct(q.LeaveOneOutMeanAbsRelativeError), q.HeldOut is { } h2 ? Pct(h2.RelativeError) : "—"]);
        }
        Tables.Write(console, ["task", "runs", "epochs", "no wall |err|", "Muennighoff", "|err|", "LOO |err|", "held-out err", "penalty", "|err|", "LOO |err|", "held-out err"], rows,
            new HashSet<int> { 1, 3, 5, 6, 7, 9, 10, 11 });
        foreach (var r in results)
        {
            if (r.Muennighoff.HeldOut is { } h)
                console.MarkupLine(Markup.Escape($"{r.Task}: held out {h.Run} ({Format.Sig(h.Epochs)} epochs): observed {Format.Sig(h.Observed, 4)}, " +
                    $"Muennighoff {Format.Sig(h.Predicted, 4)}, penalty {Format.Sig(r.Penalty.HeldOut!.Predicted, 4)}, no wall {Format.Sig(NoWall(r, h.Run), 4)}"));
            HealthView.Write(console, r.Health, $"{r.Task} health");
        }
    }
}
