using System.Diagnostics;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Testbed.Ladder;
using T2.Testbed.Model;

namespace T2.Cli.Commands;

/// <summary><c>t2 testbed bench --ladder</c> and <c>--profile</c>: what they print.</summary>
public static class LadderBenchOutput
{
    public static int Run(CliContext ctx, string specName, string sample, bool json)
    {
        if (!LadderBench.Samples.Contains(sample))
            throw new UsageException($"--runs '{sample}' is not one of {string.Join(", ", LadderBench.Samples)}.");
        if (LadderPresets.Named(specName) is null && !File.Exists(specName) && !Directory.Exists(specName))
            throw new UsageException($"--ladder '{specName}' is neither a preset ({string.Join(", ", LadderPresets.Names)}) nor a file.");
        var spec = LadderCommand.Resolve(specName);
        spec.Validate(specName);
        int workers = spec.Parallel > 0 ? spec.Parallel : Math.Max(1, Environment.ProcessorCount);
        // The anchors before training (an otherwise idle process): OpenBLAS's peak if the library is installed, t2's own GEMM always.
        var blas = OpenBlasAnchor.Measure(1024, workers);
        double gemm = TestbedBench.Gemm(1024) * 1e9;
        string scratch = Path.Combine(Path.GetTempPath(), $"t2-ladder-bench-{Environment.ProcessId}-{Stopwatch.GetTimestamp()}");
        LadderBenchResult r;
        try
        {
            var progress = new SyncProgress<BenchRun>(b => ctx.Error.WriteLine(
                $"t2: {b.Id}: {b.Seconds:F1} s, {b.Flops6ND / Math.Max(1e-9, b.Seconds):E3} FLOP/s (6ND) on one worker"));
            r = LadderBench.Run(spec, specName, sample, scratch, progress);
        }
        finally { if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true); }
        // The anchors again after training, keeping the faster: one timed on a moment of contention (other jobs on a shared
        // machine) would flatter every share of the peak.
        if (OpenBlasAnchor.Measure(1024, workers) is { } blas2 && (blas is null || blas2.FlopsPerSecond > blas.FlopsPerSecond)) blas = blas2;
        gemm = Math.Max(gemm, TestbedBench.Gemm(1024) * 1e9);
        double anchor = blas?.FlopsPerSecond ?? gemm;
        string anchorName = blas is null ? "gemm_flops_per_s" : "openblas_flops_per_s";
        // A shape's figure: its runs' FLOPs over the seconds they took, times the workers: the machine's rate if every
        // worker trained that shape (each run has one core to itself when runs go side by side).
        double ShapeRate(BenchShape s) => s.Flops6ND / Math.Max(1e-9, s.RunSeconds) * r.Workers;
        // The same per CPU second (robust to other jobs on the machine): the rate had every worker had its core to itself.
        double ShapeCpuRate(BenchShape s) => s.Flops6ND / Math.Max(1e-9, s.CpuSeconds) * r.Workers;
        double cpuRate = r.Flops6ND / Math.Max(1e-9, r.CpuSeconds) * r.Workers;
        if (json)
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("ladder", r.Spec); w.WriteString("runs_sample", r.Sample);
                w.WriteNumber("runs", r.Runs.Count); w.WriteNumber("runs_in_spec", r.RunsInSpec); w.WriteNumber("workers", r.Workers);
                w.Number("wall_s", r.WallSeconds);
                w.Number("flops_6nd", r.Flops6ND); w.Number("flops_executed", r.FlopsExecuted);
                w.Number("flops_per_s", r.FlopsPerSecond);
                w.Number("cpu_s", r.CpuSeconds); w.Number("flops_per_cpu_s_times_workers", cpuRate);
                if (blas is not null)
                {
                    w.Number("openblas_flops_per_s", blas.FlopsPerSecond); w.WriteString("openblas_core", blas.Core);
                    w.WriteString("openblas_config", blas.Config); w.WriteNumber("openblas_threads", blas.Threads);
                }
                w.Number("gemm_flops_per_s", gemm);
                w.Number("share_of_peak", r.FlopsPerSecond / anchor); w.WriteString("peak", anchorName);
                w.WritePropertyName("shapes"); w.WriteStartArray();
                foreach (var s in r.Shapes)
                {
                    w.WriteStartObject();
                    w.WriteString("shape", s.Shape); w.WriteNumber("d_model", s.DModel); w.WriteNumber("layers", s.Layers); w.WriteNumber("runs", s.Runs);
                    w.Number("run_seconds", s.RunSeconds); w.Number("flops_6nd", s.Flops6ND); w.Number("flops_executed", s.FlopsExecuted);
                    w.Number("flops_per_s", ShapeRate(s)); w.Number("share_of_peak", ShapeRate(s) / anchor);
                    w.Number("cpu_seconds", s.CpuSeconds); w.Number("flops_per_cpu_s_times_workers", ShapeCpuRate(s));
                    w.Number("share_of_peak_cpu", ShapeCpuRate(s) / anchor);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WritePropertyName("run_list"); w.WriteStartArray();
                foreach (var b in r.Runs)
                {
                    w.WriteStartObject();
                    w.WriteString("id", b.Id); w.WriteString("shape", b.Shape); w.WriteNumber("n", b.N); w.WriteNumber("tokens", b.Tokens);
                    w.Number("seconds", b.Seconds); w.Number("cpu_seconds", b.CpuSeconds); w.Number("flops_6nd", b.Flops6ND); w.Number("flops_executed", b.FlopsExecuted);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return 0;
        }
        ctx.Console.MarkupLine($"ladder '{Markup.Escape(r.Spec)}', runs: {r.Sample} ({r.Runs.Count} of {r.RunsInSpec}), {r.Workers} workers side by side");
        ctx.Console.MarkupLine(blas is null
            ? $"peak: t2's 1024³ GEMM {gemm:E3} FLOP/s (OpenBLAS not found; install libopenblas0-pthread for the issue's anchor)"
            : $"peak: OpenBLAS 1024³ SGEMM {blas.FlopsPerSecond:E3} FLOP/s on {blas.Threads} threads (core {Markup.Escape(blas.Core)}); t2's GEMM {gemm:E3} ({gemm / blas.FlopsPerSecond:P0})");
        var t = new Table().AddColumns("shape", "runs", "run s", "CPU s", "6ND FLOPs", "executed", "FLOP/s (machine)", "of peak", "of peak (CPU s)");
        foreach (var s in r.Shapes)
            t.AddRow(s.Shape, s.Runs.ToString(), $"{s.RunSeconds:F1}", $"{s.CpuSeconds:F1}", $"{s.Flops6ND:E2}", $"{s.FlopsExecuted:E2}", $"{ShapeRate(s):E3}",
                $"{ShapeRate(s) / anchor:P1}", $"{ShapeCpuRate(s) / anchor:P1}");
        ctx.Console.Write(t);
        ctx.Console.MarkupLine($"training wall {r.WallSeconds:F1} s: Σ6ND {r.Flops6ND:E3} (executed {r.FlopsExecuted:E3}) → {r.FlopsPerSecond:E3} FLOP/s, " +
            $"{r.FlopsPerSecond / anchor:P1} of the peak; per CPU second × {r.Workers} workers {cpuRate:E3}, {cpuRate / anchor:P1}");
        return 0;
    }

    public static int Profile(CliContext ctx, Gpt<float> model, int B, int T, int steps, Random rng, bool serial, bool json)
    {
        // Serial, the thread's CPU time: robust to a loaded machine (wall time counts the moments it was descheduled).
        bool cpu = serial && ThreadCpuClock.Available;
        var ops = TestbedBench.Profile(model, B, T, steps, rng, cpu);
        double total = ops.Sum(o => o.Seconds), tokens = (double)B * T;
        int L = model.Config.Layers;
        var c = model.Config;
        double executed = LadderBench.ExecutedFlopsPerToken(c, T) * tokens, sixN = 6.0 * model.Layout.Count * tokens;
        if (json)
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("d_model", c.DModel); w.WriteNumber("layers", L); w.WriteNumber("heads", c.Heads); w.WriteNumber("ctx", T); w.WriteNumber("batch", B);
                w.WriteNumber("params", model.Layout.Count); w.WriteBoolean("serial", serial); w.WriteString("clock", cpu ? "thread_cpu" : "wall");
                w.Number("step_s", total); w.Number("ns_per_token", total / tokens * 1e9);
                w.Number("flops_6n_per_s", sixN / total); w.Number("flops_executed_per_s", executed / total);
                w.WritePropertyName("ops"); w.WriteStartObject();
                foreach (var (op, s) in ops) w.Number(op, s);
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            return 0;
        }
        ctx.Console.MarkupLine($"d{c.DModel} l{L} h{c.Heads}, ctx {T}, batch {B}, {(serial ? "1 thread" : $"{Environment.ProcessorCount} threads")}, {(cpu ? "thread CPU time" : "wall time")}: " +
            $"{total * 1e3:F2} ms per step, {total / tokens * 1e9:F0} ns per token, 6N·tokens/s {sixN / total:E3}, executed {executed / total:E3} FLOP/s");
        var t = new Table().AddColumns("op", "µs / step", "ns / token", "ns / token / block", "share");
        foreach (var (op, s) in ops.OrderByDescending(o => o.Seconds))
        {
            bool perBlock = !op.StartsWith("ln_f") && !op.StartsWith("logits") && !op.StartsWith("cross") && !op.StartsWith("encoder")
                && op is not ("clip" or "adamw" or "clear");
            t.AddRow(op, $"{s * 1e6:F1}", $"{s / tokens * 1e9:F1}", perBlock ? $"{s / tokens / L * 1e9:F1}" : "", $"{s / total:P1}");
        }
        ctx.Console.Write(t);
        return 0;
    }
}
