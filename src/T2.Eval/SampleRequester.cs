using System.Text.Json;

namespace T2.Eval;

/// <summary>Neutral: also send top_k = −1 and min_p = 0, so that llama-server (top_k 40, min_p 0.05 by default) and vLLM
/// sample the plain tempered distribution like t2; off for servers that refuse fields beyond OpenAI's.</summary>
public sealed record SampleSettings(int N, double Temperature, double TopP, int MaxTokens, IReadOnlyList<string> Stop, int Seed, int MaxN,
    bool Neutral = true);

/// <summary>n completions of one question: their texts, how many are correct, and what the duplicate check needs.</summary>
public sealed record SampleOutcome(string[] Samples, int Correct, int DuplicatePairs, double? ExpectedDuplicatePairs, bool RepeatedRequest);

/// <summary>
/// Draws n samples per question in requests the server accepts: at most <see cref="SampleSettings.MaxN"/> per request,
/// halved whenever the server refuses a request's n (llama-server caps n at its slot count). The request for samples
/// [a, a + c) is seeded seed + a, so that under llama.cpp's rule (completion j of a request gets seed + j) and under one
/// generator per request (vLLM) no two samples of a question share a seed — unlike lm-evaluation-harness, whose repeats
/// all carry seed 1234 and against a seed-honouring server are k copies of one sample.
/// </summary>
public sealed class SampleRequester(OpenAiClient client, string model, SampleSettings s)
{
    private int _chunk = Math.Max(1, Math.Min(s.MaxN, s.N));

    /// <summary>The largest n per request the server has accepted so far.</summary>
    public int Chunk => Volatile.Read(ref _chunk);

    public async Task<SampleOutcome> SampleAsync(EvalTask t, CancellationToken ct)
    {
        var samples = new List<string>(s.N);
        var seqLogprob = new List<double?>(s.N);
        var stop = t.Stop ?? s.Stop;
        int maxTokens = t.MaxTokens ?? s.MaxTokens;
        var previous = new List<string[]>();
        bool repeated = false;
        int a = 0;
        while (a < s.N)
        {
            int c = Math.Min(Chunk, s.N - a);
            JsonDocument doc;
            try
            {
                doc = await client.PostAsync("v1/completions", w =>
                {
                    w.WriteString("model", model); w.WriteString("prompt", t.Prompt);
                    w.WriteNumber("n", c); w.WriteNumber("max_tokens", maxTokens);
                    w.WriteNumber("temperature", s.Temperature); w.WriteNumber("top_p", s.TopP);
                    w.WriteNumber("seed", s.Seed + a); w.WriteNumber("logprobs", 1);
                    if (s.Neutral) { w.WriteNumber("top_k", -1); w.WriteNumber("min_p", 0); }
                    if (stop.Count > 0) { w.WriteStartArray("stop"); foreach (var x in stop) w.WriteStringValue(x); w.WriteEndArray(); }
                }, ct);
            }
            catch (EndpointRejectedException) when (c > 1)
            {
                // Most likely n above what the server allows: halve and try again (remembered for later questions).
                int smaller = Math.Max(1, c / 2);
                InterlockedMin(ref _chunk, smaller);
                continue;
            }
            using (doc)
            {
                var ch = Field.Root(doc, $"{client.Endpoint}v1/completions").Object().Get("choices");
                // Keys read eagerly (OrderBy never reads the key of a single choice), so a malformed index is always caught.
                var choices = ch.Items().Select(x => (Choice: x.Object(), Index: x.Object().TryGet("index", out var i) ? i.Int() : 0)).ToList()
                    .OrderBy(x => x.Index).Select(x => x.Choice).ToList();
                if (choices.Count != c) throw ch.Bad($"has {choices.Count} completions; asked for n = {c}.");
                var texts = choices.Select(x => x.Get("text").String()).ToArray();
                var lps = choices.Select(SequenceLogprob).ToArray();
                // A request seeded differently that returns exactly an earlier request's list is a seed collision unless
                // chance explains it: at temperature 1 the chance is the product of the samples' probabilities; otherwise
                // only a list with different samples in it (a confident model repeats one answer legitimately) counts.
                if (c > 1 && previous.Any(p => p.SequenceEqual(texts)))
                {
                    bool known = s.Temperature == 1 && s.TopP >= 1 && lps.All(x => x is not null);
                    if (known ? lps.Sum(x => x!.Value) < Math.Log(1e-3) : texts.Distinct().Count() > 1) repeated = true;
                }
                previous.Add(texts);
                samples.AddRange(texts);
                seqLogprob.AddRange(lps);
            }
            a += c;
        }
        int correct = samples.Count(x => Grader.Correct(t, x));
        int pairs = samples.GroupBy(x => x, StringComparer.Ordinal).Sum(g => g.Count() * (g.Count() - 1) / 2);
        // E[#equal pairs] = C(n,2)·Σ_x p(x)², and Σ_x p(x)² = E[p(X)] is estimated by the mean probability of the samples
        // drawn. Only exact at temperature 1 without top-p (the server's logprobs are those of the raw distribution).
        double? expected = null;
        if (s.Temperature == 1 && s.TopP >= 1 && seqLogprob.All(x => x is not null) && seqLogprob.Count > 0)
            expected = s.N * (s.N - 1) / 2.0 * seqLogprob.Average(x => Math.Exp(x!.Value));
        return new SampleOutcome(samples.ToArray(), correct, pairs, expected, repeated);
    }

    private static double? SequenceLogprob(Field choice)
    {
        if (!choice.TryGet("logprobs", out var lp) || !lp.IsObject) return null;
        if (lp.TryGet("token_logprobs", out var tl) && tl.IsArray)
            return tl.Items().Sum(x => x.IsNumber ? x.LogProb() : 0);
        if (lp.TryGet("content", out var c) && c.IsArray)
            return c.Items().Sum(x => x.Object().TryGet("logprob", out var l) ? l.LogProb() : 0);
        return null;
    }

    private static void InterlockedMin(ref int target, int value)
    {
        int cur;
        while ((cur = Volatile.Read(ref target)) > value && Interlocked.CompareExchange(ref target, value, cur) != cur) { }
    }
}
