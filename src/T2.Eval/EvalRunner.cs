using System.Diagnostics;
using System.Text.Json;

namespace T2.Eval;

/// <summary>One model to evaluate: the name its evidence carries, N and D (never guessed), where it is served.</summary>
public sealed record EvalTarget(string Checkpoint, double Params, double Tokens, string Endpoint, string Model);

/// <summary>One question failed in a way retrying cannot fix (the server refused it); names the question and its line.</summary>
public sealed class EvalQuestionException(string message) : Exception(message);

public enum EvalMode { Likelihood, Sample }

public sealed record EvalSettings
{
    public EvalMode Mode { get; init; } = EvalMode.Likelihood;
    public Protocol? Protocol { get; init; }
    public SampleSettings Sample { get; init; } = new(64, 1.0, 1.0, 32, [], 1, 16);
    public int Concurrency { get; init; } = 8;
    public int TopLogprobs { get; init; } = 1000;
    public ClientOptions Client { get; init; } = new();
}

public sealed record EvalProgress(string Checkpoint, int Done, int Total, long Requests, double Seconds);

/// <summary>What a run did, for the terminal and --json: counts, throughput, and every caveat as data.</summary>
public sealed record EvalSummary(string Checkpoint, string Mode, string? Protocol, IReadOnlyList<string> ProtocolsRejected,
    int Total, int Skipped, int Written, double Seconds, long Requests, long Retries, int Censored, int Straddled,
    int DuplicatePairs, double? ExpectedDuplicatePairs, int RepeatedRequests, int FinalMaxN, IReadOnlyList<string> Warnings)
{
    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
}

/// <summary>
/// Evaluates one target over a task list: probes the likelihood protocol once, then runs every question not already in
/// the journal with bounded concurrency, appending each result as it arrives. A fault that outlasts every retry stops
/// the run with the journal intact; rerunning resumes.
/// </summary>
public static class EvalRunner
{
    public static async Task<EvalSummary> RunAsync(EvalTarget target, IReadOnlyList<EvalTask> tasks, EvalSettings settings,
        EvidenceJournal journal, Action<EvalProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var pending = tasks.Where(t => !journal.Has(target.Checkpoint, t.Task, t.Id)).ToList();
        int skipped = tasks.Count - pending.Count;
        using var client = new OpenAiClient(target.Endpoint, settings.Client);
        var warnings = new List<string>();
        Protocol? chosen = null; List<string> rejected = [];
        var likelihood = new LikelihoodProtocol(client, target.Model, settings.TopLogprobs);
        var sampler = new SampleRequester(client, target.Model, settings.Sample);
        if (pending.Count > 0 && settings.Mode == EvalMode.Likelihood)
            (chosen, rejected) = await likelihood.ProbeAsync(pending[0], settings.Protocol, ct);

        int done = 0, censored = 0, straddled = 0, dupPairs = 0, repeated = 0; double expected = 0; bool haveExpected = true;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var timer = new Timer(_ => progress?.Invoke(new(target.Checkpoint, Volatile.Read(ref done), pending.Count, client.Requests, clock.Elapsed.TotalSeconds)),
            null, 1000, 1000);
        try
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cts.Token }, async (t, token) =>
            {
                try { await One(t, token); }
                catch (Exception e) when (e is EndpointRejectedException or ProtocolMismatchException or MalformedResponseException)
                {
                    throw new EvalQuestionException($"question '{t.Id}' of task '{t.Task}' (tasks line {t.Line}): {e.Message}");
                }
            });
        }
        finally
        {
            progress?.Invoke(new(target.Checkpoint, done, pending.Count, client.Requests, clock.Elapsed.TotalSeconds));
        }

        async Task One(EvalTask t, CancellationToken token)
        {
            if (settings.Mode == EvalMode.Likelihood)
            {
                var s = await likelihood.ScoreAsync(chosen!.Value, t, token);
                if (s.Censored) Interlocked.Increment(ref censored);
                if (s.Straddled) Interlocked.Increment(ref straddled);
                journal.Append(target.Checkpoint, t.Task, t.Id, w =>
                {
                    Head(w, "likelihood", target, t);
                    w.WriteNumber("nll", s.Nll); w.WriteNumber("answer_tokens", s.AnswerTokens);
                    w.WriteString("protocol", LikelihoodProtocol.Name(chosen.Value));
                    if (s.Censored) w.WriteBoolean("nll_lower_bound", true);
                });
            }
            else
            {
                var o = await sampler.SampleAsync(t, token);
                lock (warnings)
                {
                    dupPairs += o.DuplicatePairs;
                    if (o.ExpectedDuplicatePairs is { } e) expected += e; else haveExpected = false;
                    if (o.RepeatedRequest) repeated++;
                }
                journal.Append(target.Checkpoint, t.Task, t.Id, w =>
                {
                    Head(w, "sample", target, t);
                    w.WriteNumber("num_samples", o.Samples.Length); w.WriteNumber("num_correct", o.Correct);
                    w.WriteNumber("temperature", settings.Sample.Temperature); w.WriteNumber("seed", settings.Sample.Seed);
                    w.WriteStartArray("samples"); foreach (var x in o.Samples) w.WriteStringValue(x); w.WriteEndArray();
                });
            }
            Interlocked.Increment(ref done);
        }
        if (censored > 0) warnings.Add($"{censored} question(s): the gold token was outside the top {settings.TopLogprobs} the server returned at some position; their nll is a lower bound (nll_lower_bound in the output). Raise --top-logprobs.");
        if (straddled > 0) warnings.Add($"{straddled} question(s): a token spans the prompt/answer boundary and was counted in the answer; end prompts before the separating space and start answers with it.");
        double? exp = settings.Mode == EvalMode.Sample && haveExpected && pending.Count > 0 ? expected : null;
        if (settings.Mode == EvalMode.Sample && settings.Sample.Temperature > 0)
        {
            if (repeated > 0)
                warnings.Add($"{repeated} question(s): a request seeded differently returned exactly the samples of an earlier one — the server ignores or collides seeds; these are not independent samples.");
            if (exp is { } x && dupPairs > 4 * x + 10)
                warnings.Add($"samples repeat far more often than chance at temperature {settings.Sample.Temperature}: {dupPairs} identical pairs where the samples' own probabilities predict {x:F1}. Check the server's seeding.");
        }
        return new EvalSummary(target.Checkpoint, settings.Mode == EvalMode.Likelihood ? "likelihood" : "sample",
            chosen is null ? null : LikelihoodProtocol.Name(chosen.Value), rejected, tasks.Count, skipped, done,
            clock.Elapsed.TotalSeconds, client.Requests, client.RetriesSoFar, censored, straddled, dupPairs, exp, repeated, sampler.Chunk, warnings);
    }

    private static void Head(Utf8JsonWriter w, string mode, EvalTarget target, EvalTask t)
    {
        w.WriteString("mode", mode); w.WriteString("checkpoint", target.Checkpoint);
        w.WriteNumber("N_params", target.Params); w.WriteNumber("D_tokens", target.Tokens);
        w.WriteString("task", t.Task); w.WriteString("question", t.Id);
    }
}
