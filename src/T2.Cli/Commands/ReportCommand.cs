using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;

namespace T2.Cli.Commands;

/// <summary><c>t2 report</c>: one self-contained HTML file from a T² fit file (and optionally its evidence and a validation).</summary>
public static class ReportCommand
{
    public sealed record Settings(string Fit, string? Evidence, string? Validation, string Out, double? CInf, string? Variant = null, string? DataWall = null,
        string? Hardware = null);

    public static Command Build(CliContext ctx)
    {
        var fit = CommonOptions.Fit();
        var evidence = new Option<string?>("--evidence") { Description = "Per-question evidence (for the p histograms): the table 'fit t2' read." };
        var validation = new Option<string?>("--validation") { Description = "validation.json from 't2 validate' (its tables, C_train and C_inf)." };
        var output = CommonOptions.Out("HTML file to write (self-contained: inline SVG, no network).");
        var cInf = new Option<double?>("--c-inf") { Description = "C_inf of the frontiers and plan (default: the validation's, else 2·N of the largest fitted model)." };
        var variant = CommonOptions.Variant("Report on this post-training variant (default: the fit file's first, with every variant's frontier and plan side by side).");
        var wall = new Option<string?>("--data-wall") { Description = "Data-wall file ('t2 fit data-wall') for the planner's data-wall options (default: Muennighoff et al.'s published constants)." };
        var hardware = new Option<string?>("--hardware") { Description = "Device file (examples/hardware/) for the planner's '$-optimal at the same dollars' option (128-token prompts and answers)." };
        var cmd = new Command("report", "A self-contained HTML report: provenance, p histograms, parameters and health, fits, isoFLOP curves, frontiers, plan, validation, interactive planner.")
        { fit, evidence, validation, output, cInf, variant, wall, hardware };
        cmd.SetAction(p => Run(ctx, new Settings(p.GetValue(fit)!, p.GetValue(evidence), p.GetValue(validation), p.GetValue(output)!, p.GetValue(cInf), p.GetValue(variant), p.GetValue(wall),
            p.GetValue(hardware))));
        return cmd;
    }

    public static int Run(CliContext ctx, Settings s)
    {
        var file = FitFile.Read(s.Fit);
        var docs = FitFile.SelectVariants(file, s.Variant, s.Fit);
        var doc = docs[0];
        T2.IO.AtomicFile.Prepare(s.Out);
        if (s.CInf is { } ci && (!(ci > 0) || ci > T2.Core.Planning.Limits.MaxFlops)) throw new UsageException("--c-inf must be > 0 and ≤ 1e40.");
        List<PHistogramRow>? hist = null;
        if (s.Evidence is { } ep)
        {
            // The histograms show the reported variant's rows (an evidence file with a variant column holds every variant).
            var part = EvidenceData.SplitVariants(DataTable.Read(ep), null, doc.Variant);
            var tasks = EvidenceData.Read(part[0].Rows, EvidenceData.Columns.Defaults, null);
            hist = tasks.SelectMany(kv => kv.Value.Select(c => new PHistogramRow(kv.Key, c.Name, c.N, c.D,
                c.Nll is { } nll ? nll.Select(x => -x / Math.Log(10)).ToArray()
                    : c.Samples!.Select((n, i) => Math.Log10((double)c.Correct![i] / n)).ToArray()))).ToList();
        }
        JsonElement? val = null;
        if (s.Validation is { } vp)
        {
            if (!File.Exists(vp)) throw new InputException(vp, 0, null, Directory.Exists(vp) ? "is a directory, not validation.json." : "file not found.");
            try { using var d = JsonDocument.Parse(File.ReadAllText(vp)); val = d.RootElement.Clone(); }
            catch (JsonException e) { throw new InputException(vp, (int)(e.LineNumber ?? 0) + 1, null, "not JSON (expected validation.json from 't2 validate')."); }
            if (val.Value.ValueKind != JsonValueKind.Object || !val.Value.TryGetProperty("rq2", out _))
                throw new InputException(vp, 1, "rq2", "not a validation file from 't2 validate'.");
        }
        var wallDoc = s.DataWall is { } wp ? DataWallFile.Read(wp) : null;
        var modes = new List<(string, string, IReadOnlyList<T2.Core.Planning.FittedTask>)>();
        // The sampling policies of Approach 2: stop at the first success, and difficulty-aware k (its quadrature is tabulated
        // and vectorised, ≈ 30 µs a metric value, so its plans cost tens of milliseconds, like the others').
        if (doc.Tasks.Any(t => t.Approach2 is not null))
        {
            modes.Add(("sos", "stop at first success", FitTasks.Select(doc, null, s.Fit, stopOnSuccess: true)));
            modes.Add(("ak", "difficulty-aware k (oracle p)", FitTasks.Select(doc, null, s.Fit, adaptiveK: true)));
        }
        // The data wall at three corpus sizes around the data's largest D (a tenth, once, ten times).
        double dMax = doc.Tasks.Max(t => Math.Max(t.Approach1?.Range.DMax ?? 0, t.Approach2?.Range.DMax ?? 0));
        foreach (var f in new[] { 0.1, 1.0 })
        {
            double u = f * dMax;
            var law = (string task) => wallDoc is null ? T2.Core.Laws.DataWallLaw.Published : DataWallFile.Law(wallDoc, task, T2.Core.Laws.WallForm.Muennighoff) ?? T2.Core.Laws.DataWallLaw.Published;
            modes.Add(($"wall{modes.Count}", $"data wall U = {T2.Core.Health.Num.G(u)}",
                FitTasks.Select(doc, null, s.Fit, transform: t => T2.Core.Planning.DataWall.Apply(t, u, law(t.Task), s.DataWall ?? "published", wallDoc is null || DataWallFile.Law(wallDoc, t.Task, T2.Core.Laws.WallForm.Muennighoff) is null))));
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string html = HtmlReport.Build(new ReportInput
        {
            Fit = doc, FitPath = s.Fit, Tasks = FitTasks.Select(doc, null, s.Fit), Evidence = hist, EvidencePath = s.Evidence,
            Validation = val, ValidationPath = s.Validation, CInf = s.CInf,
            PlannerModes = modes,
            Hardware = s.Hardware is { } hp ? (HardwareFile.Read(hp), new T2.Core.Planning.ServingShape { PromptTokens = 128, AnswerTokens = 128 }) : null,
            Variants = docs.Count > 1 ? docs.Select(d => (d.Variant ?? "base", (IReadOnlyList<T2.Core.Planning.FittedTask>)FitTasks.Select(d, null, s.Fit))).ToList() : null,
        }, out int plans);
        T2.IO.AtomicFile.WriteAllText(s.Out, html);
        ctx.Console.MarkupLine($"report → {Markup.Escape(s.Out)} ({html.Length / 1024:N0} KB, {plans:N0} precomputed plans for the interactive planner, {sw.Elapsed.TotalSeconds:F1} s)");
        return 0;
    }
}
