using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Eval;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 eval</c>: T² evidence from any OpenAI-compatible server (vLLM, SGLang, llama.cpp's llama-server, t2 testbed serve):
/// gold-answer NLL (likelihood) or n graded samples per question, append-only and resumable, one model or a registry.
/// </summary>
public static class EvalCommand
{
    public static Command Build(CliContext ctx)
    {
        var endpoint = new Option<string?>("--endpoint") { Description = "Server URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted)." };
        var model = new Option<string?>("--model") { Description = "Model name the server expects (see its /v1/models)." };
        var tasks = new Option<string>("--tasks") { Description = "Tasks JSONL: {task, id, prompt, answer, grade?: exact|numeric|regex, pattern?, max_tokens?, stop?}.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint name in the evidence." };
        var n = new Option<double?>("--params") { Description = "N, the model's parameters (never guessed)." };
        var d = new Option<double?>("--tokens") { Description = "D, its training tokens (never guessed)." };
        var registry = new Option<string?>("--registry") { Description = "CSV with name, params, tokens, endpoint, model: evaluate every row (instead of the five flags above)." };
        var output = CommonOptions.Out("Evidence JSONL, appended line by line; rerun to resume (done questions are skipped).");
        var mode = new Option<string>("--mode") { Description = "likelihood (gold-answer NLL) or sample (n graded samples).", DefaultValueFactory = _ => "likelihood" };
        mode.AcceptOnlyFromAmong("likelihood", "sample");
        var protocol = new Option<string?>("--protocol") { Description = "Force a likelihood protocol: echo, prompt-logprobs (vLLM) or per-token (llama.cpp). Default: probe." };
        protocol.AcceptOnlyFromAmong("echo", "prompt-logprobs", "per-token");
        var samples = new Option<int>("--n") { Description = "Samples per question (sample mode).", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature.", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass.", DefaultValueFactory = _ => 1.0 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens per sample (a task's own max_tokens wins).", DefaultValueFactory = _ => 32 };
        var stop = new Option<string[]>("--stop") { Description = "Stop sequence (repeatable; a task's own stop wins).", AllowMultipleArgumentsPerToken = false };
        var seed = new Option<int>("--seed") { Description = "Base seed: sample j of a question is seeded seed + j.", DefaultValueFactory = _ => 1 };
        var maxN = new Option<int>("--max-n") { Description = "Most samples per request (halved automatically when the server refuses).", DefaultValueFactory = _ => 16 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 8 };
        var retries = new Option<int>("--retries") { Description = "Retries of a transient fault (429, 5xx, timeout, dropped connection), exponential backoff with jitter: waits of about " +
            "0.5 s, 1 s, 2 s, … (each at most 30 s), so the default 8 give up on a server that answers only errors after about a minute. " +
            "An endpoint that has never answered and refuses the connection fails at once.", DefaultValueFactory = _ => 8 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds per attempt.", DefaultValueFactory = _ => 120 };
        var topLogprobs = new Option<int>("--top-logprobs") { Description = "per-token protocol: how many next-token log-probabilities to ask for (the gold token must be among them).", DefaultValueFactory = _ => 1000 };
        var keyEnv = new Option<string>("--api-key-env") { Description = "Environment variable holding the API key (sent as a bearer token; never an argument, never logged).", DefaultValueFactory = _ => "OPENAI_API_KEY" };
        var serverSamplers = new Option<bool>("--server-samplers") { Description = "Do not send top_k = −1 and min_p = 0 (leave the server's own sampler defaults; for servers that refuse non-OpenAI fields)." };
        var json = CommonOptions.Json("Print the run summaries as JSON.");
        var cmd = new Command("eval", "Evaluate models served over the OpenAI completions API into T² evidence (likelihood or samples).")
        {
            endpoint, model, tasks, checkpoint, n, d, registry, output, mode, protocol, samples, temperature, topP, maxTokens, stop, seed, maxN,
            concurrency, retries, timeout, topLogprobs, keyEnv, serverSamplers, json,
        };
        cmd.SetAction(p =>
        {
            var targets = Targets(p.GetValue(registry), p.GetValue(endpoint), p.GetValue(model), p.GetValue(checkpoint), p.GetValue(n), p.GetValue(d));
            var settings = new EvalSettings
            {
                Mode = p.GetValue(mode) == "sample" ? EvalMode.Sample : EvalMode.Likelihood,
                Protocol = p.GetValue(protocol) switch { "echo" => Protocol.Echo, "prompt-logprobs" => Protocol.PromptLogprobs, "per-token" => Protocol.PerToken, _ => null },
                Sample = new SampleSettings(p.GetValue(samples), p.GetValue(temperature), p.GetValue(topP), p.GetValue(maxTokens), p.GetValue(stop) ?? [], p.GetValue(seed), p.GetValue(maxN), !p.GetValue(serverSamplers)),
                Concurrency = p.GetValue(concurrency),
                TopLogprobs = p.GetValue(topLogprobs),
                Client = new ClientOptions
                {
                    Retries = p.GetValue(retries), AttemptTimeout = TimeSpan.FromSeconds(p.GetValue(timeout)),
                    ApiKey = Environment.GetEnvironmentVariable(p.GetValue(keyEnv)!),
                },
            };
            Check(settings);
            var list = EvalTasks.Read(p.GetValue(tasks)!);
            string outPath = p.GetValue(output)!;
            using var journal = new EvidenceJournal(outPath, settings.Mode == EvalMode.Sample ? "sample" : "likelihood");
            if (journal.TornBytes > 0) ctx.Error.WriteLine($"t2: note: {outPath} ended in a torn line ({journal.TornBytes} bytes, a run killed mid-write); it was cut and that question is redone.");
            var summaries = new List<EvalSummary>();
            bool live = !Console.IsErrorRedirected;
            DateTime lastLine = DateTime.MinValue;
            void Progress(EvalProgress e)
            {
                // Nothing to report before the first result: a run that fails at its first request prints its one error line only.
                if (e.Done == 0) return;
                double rate = e.Seconds > 0 ? e.Requests / e.Seconds : 0, qrate = e.Seconds > 0 ? e.Done / e.Seconds : 0;
                string eta = qrate > 0 ? TimeSpan.FromSeconds((e.Total - e.Done) / qrate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--";
                string line = $"{e.Checkpoint}: {e.Done}/{e.Total} questions, {rate:F1} requests/s, ETA {eta}";
                if (live) { ctx.Error.Write($"\r{line}   "); if (e.Done == e.Total) ctx.Error.WriteLine(); }
                else if (DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(10) || e.Done == e.Total) { ctx.Error.WriteLine(line); lastLine = DateTime.UtcNow; }
            }
            foreach (var target in targets)
            {
                EvalSummary s;
                try { s = EvalRunner.RunAsync(target, list, settings, journal, Progress, CancellationToken.None).GetAwaiter().GetResult(); }
                catch (Exception e) when (e is EndpointUnavailableException or ProtocolMismatchException or EvalQuestionException or EndpointRejectedException
                                           or MalformedResponseException or ArgumentException)
                {
                    // Nothing is written before the first result: only a file that exists keeps anything.
                    string kept = File.Exists(outPath) ? $" ({outPath} keeps every finished question; rerun to resume)" : $" (nothing written to {outPath})";
                    throw new UsageException($"{target.Checkpoint}: {e.Message.TrimEnd('.')}{kept}.");
                }
                summaries.Add(s);
                foreach (var w in s.Warnings) ctx.Error.WriteLine($"t2: warning: {target.Checkpoint}: {w}");
            }
            if (p.GetValue(json)) { ctx.Out.WriteLine(Json.Write(w => WriteJson(w, summaries, outPath))); return 0; }
            var t = new Table().AddColumn("checkpoint").AddColumn("mode").AddColumn("protocol").AddColumn(new TableColumn("written").RightAligned())
                .AddColumn(new TableColumn("skipped").RightAligned()).AddColumn(new TableColumn("requests").RightAligned())
                .AddColumn(new TableColumn("req/s").RightAligned()).AddColumn(new TableColumn("retries").RightAligned());
            foreach (var s in summaries)
                t.AddRow(Markup.Escape(s.Checkpoint), s.Mode, s.Protocol ?? (s.Mode == "sample" ? $"n ≤ {s.FinalMaxN}/request" : "—"), s.Written.ToString(CultureInfo.InvariantCulture),
                    s.Skipped.ToString(CultureInfo.InvariantCulture), s.Requests.ToString(CultureInfo.InvariantCulture), s.RequestsPerSecond.ToString("F1", CultureInfo.InvariantCulture),
                    s.Retries.ToString(CultureInfo.InvariantCulture));
            ctx.Console.Write(t);
            foreach (var s in summaries.Where(s => s.ProtocolsRejected.Count > 0))
                ctx.Console.MarkupLine($"{Markup.Escape(s.Checkpoint)}: chose {s.Protocol} after: {Markup.Escape(string.Join("; ", s.ProtocolsRejected))}");
            ctx.Console.MarkupLine($"→ {Markup.Escape(outPath)} (read it with 't2 fit t2 --data {Markup.Escape(outPath)}')");
            return 0;
        });
        return cmd;
    }

    private static void Check(EvalSettings s)
    {
        if (s.Sample.N < 1 || s.Sample.N > 100_000) throw new UsageException("--n must lie in [1, 100000].");
        if (!(s.Sample.Temperature >= 0) || s.Sample.Temperature > 100) throw new UsageException("--temperature must lie in [0, 100].");
        if (!(s.Sample.TopP > 0) || s.Sample.TopP > 1) throw new UsageException("--top-p must lie in (0, 1].");
        if (s.Sample.MaxTokens < 1) throw new UsageException("--max-tokens must be ≥ 1.");
        if (s.Sample.MaxN < 1) throw new UsageException("--max-n must be ≥ 1.");
        if (s.Sample.Seed < 0 || (long)s.Sample.Seed + s.Sample.N > int.MaxValue) throw new UsageException($"--seed must lie in [0, {int.MaxValue} − n].");
        if (s.Concurrency < 1 || s.Concurrency > 1024) throw new UsageException("--concurrency must lie in [1, 1024].");
        if (s.Client.Retries < 0 || s.Client.Retries > 100) throw new UsageException("--retries must lie in [0, 100].");
        if (!(s.Client.AttemptTimeout.TotalSeconds >= 0.1)) throw new UsageException("--timeout must be ≥ 0.1 seconds.");
        if (s.TopLogprobs < 1) throw new UsageException("--top-logprobs must be ≥ 1.");
        if (s.Sample.Stop.Any(x => x.Length == 0)) throw new UsageException("--stop must not be empty.");
    }

    private static List<EvalTarget> Targets(string? registry, string? endpoint, string? model, string? checkpoint, double? n, double? d)
    {
        if (registry is not null)
        {
            if (endpoint is not null || model is not null || checkpoint is not null || n is not null || d is not null)
                throw new UsageException("--registry gives name, params, tokens, endpoint and model per row; drop --endpoint/--model/--checkpoint/--params/--tokens.");
            return Registry.Read(registry).Select(r => new EvalTarget(r.Name, r.Params, r.Tokens,
                r.Endpoint ?? throw new InputException(registry, r.Line, "endpoint", "empty; t2 eval needs the server's URL."),
                r.Model ?? throw new InputException(registry, r.Line, "model", "empty; t2 eval needs the model name."))).ToList();
        }
        var missing = new[] { ("--endpoint", endpoint is null), ("--model", model is null), ("--checkpoint", checkpoint is null), ("--params", n is null), ("--tokens", d is null) }
            .Where(x => x.Item2).Select(x => x.Item1).ToList();
        if (missing.Count > 0) throw new UsageException($"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} required (or give --registry).");
        if (!(n >= 1) || n > T2.Core.Planning.Limits.MaxCount) throw new UsageException("--params must lie in [1, 1e30].");
        if (!(d >= 1) || d > T2.Core.Planning.Limits.MaxCount) throw new UsageException("--tokens must lie in [1, 1e30].");
        if (checkpoint!.Length == 0) throw new UsageException("--checkpoint must not be empty.");
        return [new EvalTarget(checkpoint, n!.Value, d!.Value, endpoint!, model!)];
    }

    private static void WriteJson(System.Text.Json.Utf8JsonWriter w, List<EvalSummary> summaries, string outPath)
    {
        w.WriteStartObject();
        w.WriteString("out", outPath);
        w.WriteStartArray("runs");
        foreach (var s in summaries)
        {
            w.WriteStartObject();
            w.WriteString("checkpoint", s.Checkpoint); w.WriteString("mode", s.Mode);
            if (s.Protocol is null) w.WriteNull("protocol"); else w.WriteString("protocol", s.Protocol);
            w.WriteStartArray("protocols_rejected"); foreach (var r in s.ProtocolsRejected) w.WriteStringValue(r); w.WriteEndArray();
            w.WriteNumber("questions", s.Total); w.WriteNumber("skipped", s.Skipped); w.WriteNumber("written", s.Written);
            w.WriteNumber("seconds", s.Seconds); w.WriteNumber("requests", s.Requests); w.WriteNumber("requests_per_second", s.RequestsPerSecond);
            w.WriteNumber("retries", s.Retries); w.WriteNumber("censored", s.Censored); w.WriteNumber("straddled", s.Straddled);
            w.WriteNumber("duplicate_pairs", s.DuplicatePairs);
            if (s.ExpectedDuplicatePairs is { } e) w.WriteNumber("expected_duplicate_pairs", e); else w.WriteNull("expected_duplicate_pairs");
            w.WriteNumber("repeated_requests", s.RepeatedRequests); w.WriteNumber("max_n_per_request", s.FinalMaxN);
            w.WriteStartArray("warnings"); foreach (var x in s.Warnings) w.WriteStringValue(x); w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
