using System.Collections.Concurrent;
using T2.Testbed.Inference;
using T2.Testbed.Model;
using T2.Testbed.World;

namespace T2.Testbed.Serving;

/// <summary>What one prompt asks for: n completions sharing one prefill. Sample j draws from seed + j (llama.cpp's rule),
/// so splitting n samples over requests seeded s, s + n1, … gives exactly the samples of one request.</summary>
public sealed record CompletionJob(int[] Prompt, int N, int MaxTokens, double Temperature, double TopP, int Seed,
    IReadOnlyList<string> Stop, int TopLogprobs, bool WantLogprobs, bool WantPromptLogprobs);

/// <summary>One generated token: its id, its log-probability under the model (before temperature or top-p, as vLLM reports
/// by default) and, when asked, the most likely alternatives.</summary>
public readonly record struct TokenLogprob(int Id, double Logprob, (int Id, double Logprob)[]? Top);

public sealed record Completion(int[] Tokens, TokenLogprob[] Logprobs, string FinishReason);

/// <summary>The prompt's own log-probabilities: entry 0 is null (nothing precedes the first token).</summary>
public sealed record CompletionResult(Completion[] Choices, TokenLogprob?[]? PromptLogprobs);

/// <summary>
/// Generation for the testbed server: a bounded pool of KV-cache decoders (one per worker), each request's prompt prefilled
/// once and shared by its n samples (the same prefix sharing the evaluator uses). Requests beyond the pool wait for a decoder
/// instead of allocating more, so memory is bounded by workers × (context × layers × channels) however many clients call.
/// </summary>
public sealed class CompletionEngine
{
    private readonly Gpt<float> _model;
    private readonly ConcurrentBag<KvDecoder> _decoders = [];
    private readonly SemaphoreSlim _slots;

    public CompletionEngine(Gpt<float> model, Tokenizer tokenizer, int workers)
    {
        if (workers < 1) throw new ArgumentException("workers must be ≥ 1.");
        _model = model; Tokenizer = tokenizer; Workers = workers;
        _slots = new SemaphoreSlim(workers, workers);
    }

    public Tokenizer Tokenizer { get; }
    public ModelConfig Config => _model.Config;
    public int Workers { get; }

    /// <summary>Runs a job on a pooled decoder; waits (asynchronously) while all decoders are busy.</summary>
    public async Task<CompletionResult> RunAsync(CompletionJob job, CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try { return await Task.Run(() => Run(job), ct).ConfigureAwait(false); }
        finally { _slots.Release(); }
    }

    /// <summary>Synchronous generation on the calling thread (tests and in-process comparisons use this directly).</summary>
    public CompletionResult Run(CompletionJob job)
    {
        int ctx = Config.Context, V = Config.VocabSize;
        if (job.Prompt.Length == 0) throw new ArgumentException("the prompt is empty.");
        if (job.Prompt.Length + job.MaxTokens > ctx) throw new ArgumentException($"prompt ({job.Prompt.Length}) + max_tokens ({job.MaxTokens}) exceed the context {ctx}.");
        var dec = _decoders.TryTake(out var d) ? d : new KvDecoder(_model);
        try
        {
            var promptCache = dec.NewCache(job.Prompt.Length);
            var promptLogits = new float[V];
            TokenLogprob?[]? promptLp = job.WantPromptLogprobs ? new TokenLogprob?[job.Prompt.Length] : null;
            if (promptLp is null) dec.Prefill(job.Prompt, promptCache, promptLogits);
            else
            {
                // Every position's distribution, for echo / prompt_logprobs: the same Step calls as Prefill, with logits.
                promptCache.Length = 0;
                for (int i = 0; i < job.Prompt.Length; i++)
                {
                    if (i > 0) promptLp[i] = Score(promptLogits, job.Prompt[i], job.TopLogprobs);
                    dec.Step(job.Prompt[i], i, null, promptCache, promptLogits);
                }
            }
            var choices = new Completion[job.N];
            var logits = new float[V];
            var own = dec.NewCache(Math.Max(1, job.MaxTokens));
            for (int j = 0; j < job.N; j++)
            {
                var rng = new Random(unchecked(job.Seed + j));
                own.Length = 0;
                promptLogits.CopyTo(logits, 0);
                var tokens = new List<int>(job.MaxTokens); var lps = new List<TokenLogprob>(job.MaxTokens);
                string finish = "length";
                for (int t = 0; t < job.MaxTokens; t++)
                {
                    int tok = Draw(logits, job.Temperature, job.TopP, rng);
                    if (tok == Tokenizer.Eos) { finish = "stop"; break; }
                    tokens.Add(tok);
                    if (job.WantLogprobs) lps.Add(Score(logits, tok, job.TopLogprobs));
                    if (job.Stop.Count > 0 && EndsWithStop(tokens, job.Stop, out int keep))
                    {
                        tokens.RemoveRange(keep, tokens.Count - keep);
                        if (lps.Count > keep) lps.RemoveRange(keep, lps.Count - keep);
                        finish = "stop"; break;
                    }
                    if (t + 1 < job.MaxTokens) dec.Step(tok, job.Prompt.Length + t, promptCache, own, logits);
                }
                choices[j] = new Completion(tokens.ToArray(), lps.ToArray(), finish);
            }
            return new CompletionResult(choices, promptLp);
        }
        finally { _decoders.Add(dec); }
    }

    /// <summary>Text of tokens as the server sends it: every token is " word" (the leading space belongs to the token, as
    /// in GPT-2's BPE), so text offsets add up and concatenated pieces reproduce the text.</summary>
    public string Piece(int id) => " " + Tokenizer.Words[id];

    // Stop sequences are matched on the decoded text; the tokens that complete the stop sequence are dropped (OpenAI
    // excludes the stop sequence from the text). Sequences that end mid-token are not split: the whole token is dropped.
    private bool EndsWithStop(List<int> tokens, IReadOnlyList<string> stop, out int keep)
    {
        var text = string.Concat(tokens.Select(Piece));
        foreach (var s in stop)
        {
            int at = text.IndexOf(s, StringComparison.Ordinal);
            if (at < 0) continue;
            int len = 0; keep = 0;
            while (keep < tokens.Count && len + Piece(tokens[keep]).Length <= at) { len += Piece(tokens[keep]).Length; keep++; }
            return true;
        }
        keep = tokens.Count;
        return false;
    }

    private static TokenLogprob Score(ReadOnlySpan<float> logits, int token, int top)
    {
        double lp = Evaluator.LogSoftmax(logits, token);
        if (top <= 0) return new TokenLogprob(token, lp, null);
        float max = float.NegativeInfinity; foreach (var l in logits) if (l > max) max = l;
        double sum = 0; foreach (var l in logits) sum += Math.Exp(l - max);
        double logZ = max + Math.Log(sum);
        var idx = new int[logits.Length];
        for (int i = 0; i < idx.Length; i++) idx[i] = i;
        var arr = logits.ToArray();
        Array.Sort(idx, (a, b) => arr[b].CompareTo(arr[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var best = new (int, double)[Math.Min(top, idx.Length)];
        for (int i = 0; i < best.Length; i++) best[i] = (idx[i], arr[idx[i]] - logZ);
        return new TokenLogprob(token, lp, best);
    }

    /// <summary>Temperature 0 is greedy. top_p keeps the smallest set of most likely tokens whose mass reaches p.</summary>
    public static int Draw(ReadOnlySpan<float> logits, double temperature, double topP, Random rng)
    {
        if (topP >= 1 || temperature == 0) return Evaluator.Draw(logits, temperature, rng);
        int V = logits.Length;
        float max = float.NegativeInfinity; foreach (var l in logits) if (l > max) max = l;
        var p = new double[V]; double sum = 0;
        for (int v = 0; v < V; v++) { p[v] = Math.Exp((logits[v] - max) / temperature); sum += p[v]; }
        var idx = Enumerable.Range(0, V).OrderByDescending(v => p[v]).ThenBy(v => v).ToArray();
        double kept = 0; int n = 0;
        while (n < V && kept < topP * sum) kept += p[idx[n++]];
        double u = rng.NextDouble() * kept, acc = 0;
        for (int i = 0; i < n; i++) { acc += p[idx[i]]; if (u < acc) return idx[i]; }
        return idx[n - 1];
    }
}
