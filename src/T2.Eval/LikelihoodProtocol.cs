using System.Text.Json;

namespace T2.Eval;

/// <summary>How a server gives the gold answer's log-probability given the prompt.</summary>
public enum Protocol
{
    /// <summary>Legacy /v1/completions with echo + logprobs (vLLM, SGLang, OpenAI's own legacy API, t2 testbed serve):
    /// answer tokens located by text_offset, never by re-tokenising.</summary>
    Echo,
    /// <summary>vLLM's prompt_logprobs: per position a map token id → {logprob, rank, decoded_token}.</summary>
    PromptLogprobs,
    /// <summary>llama.cpp's llama-server (no echo): the server's /tokenize, then one one-token request per answer token
    /// with the prompt as token ids and the top-n log-probabilities of the next token.</summary>
    PerToken,
}

/// <summary>The server does not do what a protocol needs (the message says what it lacks).</summary>
public sealed class ProtocolMismatchException(string message) : Exception(message);

/// <summary>A score: NLL of the answer tokens. Censored: the gold token fell outside the top-n the server returned at some
/// position, so the NLL is a lower bound. Straddled: a token spans the prompt/answer boundary and was counted in the answer.</summary>
public sealed record LikelihoodScore(double Nll, int AnswerTokens, bool Censored, bool Straddled);

public sealed class LikelihoodProtocol(OpenAiClient client, string model, int topLogprobs)
{
    public static readonly Protocol[] ProbeOrder = [Protocol.Echo, Protocol.PromptLogprobs, Protocol.PerToken];

    public static string Name(Protocol p) => p switch { Protocol.Echo => "echo", Protocol.PromptLogprobs => "prompt-logprobs", _ => "per-token" };

    /// <summary>
    /// Tries each protocol on the first question (or only the forced one) and returns the first that works, with why each
    /// earlier one did not. A server that supports none is a <see cref="ProtocolMismatchException"/> naming what each lacked.
    /// </summary>
    public async Task<(Protocol Chosen, List<string> Rejected)> ProbeAsync(EvalTask first, Protocol? forced, CancellationToken ct)
    {
        var rejected = new List<string>();
        foreach (var p in forced is { } f ? [f] : ProbeOrder)
        {
            try { await ScoreAsync(p, first, ct); return (p, rejected); }
            catch (ProtocolMismatchException e) { rejected.Add($"{Name(p)}: {e.Message}"); }
            catch (EndpointRejectedException e) { rejected.Add($"{Name(p)}: {e.Message}"); }
        }
        throw new ProtocolMismatchException(forced is null
            ? $"the server supports none of t2's likelihood protocols — {string.Join("; ", rejected)}"
            : $"--protocol {Name(forced.Value)} does not work with this server — {string.Join("; ", rejected)}");
    }

    public Task<LikelihoodScore> ScoreAsync(Protocol p, EvalTask t, CancellationToken ct) => p switch
    {
        Protocol.Echo => EchoAsync(t, ct),
        Protocol.PromptLogprobs => PromptLogprobsAsync(t, ct),
        _ => PerTokenAsync(t, ct),
    };

    private static void Common(Utf8JsonWriter w, string model)
    {
        w.WriteString("model", model); w.WriteNumber("max_tokens", 1); w.WriteNumber("temperature", 0);
    }

    private async Task<LikelihoodScore> EchoAsync(EvalTask t, CancellationToken ct)
    {
        string full = t.Prompt + t.Answer;
        using var doc = await client.PostAsync("v1/completions", w =>
        {
            Common(w, model); w.WriteString("prompt", full); w.WriteBoolean("echo", true); w.WriteNumber("logprobs", 1);
        }, ct);
        var choice = FirstChoice(doc, Url("v1/completions"));
        if (!choice.TryGet("logprobs", out var lp) || !lp.IsObject || !lp.TryGet("token_logprobs", out var tlp) || !tlp.IsArray
            || !lp.TryGet("text_offset", out var offs) || !offs.IsArray)
            throw new ProtocolMismatchException("no legacy logprobs (token_logprobs, text_offset) in the echo answer.");
        string echoed = choice.Get("text").String();
        if (!echoed.StartsWith(full, StringComparison.Ordinal))
            throw new ProtocolMismatchException("the echoed text is not the prompt sent, so text offsets cannot locate the answer.");
        int n = offs.Length, boundary = t.Prompt.Length;
        if (tlp.Length != n) throw tlp.Bad($"has {tlp.Length} entries where text_offset has {n}; they must pair up.");
        // Offsets locate the answer, so they must be possible ones: from 0, never decreasing, inside the text, and a token
        // with text (or, when the server does not list token texts, any token) must move the offset on. Offsets that are all
        // 0 would otherwise score one token for the whole answer.
        var off = offs.Items().Select(o => o.Int()).ToArray();
        if (n > 0 && off[0] != 0) throw offs[0].Bad($"is {off[0]}; the echo's first token starts the text at 0.");
        for (int i = 0; i < n; i++)
        {
            if (off[i] > echoed.Length) throw offs[i].Bad($"is {off[i]}, beyond the echoed text's {echoed.Length} characters.");
            if (i > 0 && off[i] < off[i - 1]) throw offs[i].Bad($"is {off[i]}, before the previous token's {off[i - 1]}.");
        }
        string[]? pieces = lp.TryGet("tokens", out var toks) && toks.IsArray && toks.Length == n && toks.Items().All(x => x.Value.ValueKind == JsonValueKind.String)
            ? toks.Items().Select(x => x.String()).ToArray() : null;
        for (int i = 0; i + 1 < n; i++)
        {
            int gap = off[i + 1] - off[i];
            if (gap == 0 && (pieces is null || pieces[i].Length > 0))
                throw offs[i + 1].Bad($"is {off[i + 1]}, the same as token {i}'s{(pieces is null ? "" : $" ('{pieces[i]}')")}: the offsets do not locate the tokens.");
        }
        double nll = 0; int m = 0; bool straddled = false;
        for (int i = 0; i < n; i++)
        {
            int next = i + 1 < n ? off[i + 1] : int.MaxValue;
            if (off[i] >= full.Length) break;                              // the generated token
            bool inAnswer = off[i] >= boundary || next > boundary;
            if (!inAnswer) continue;
            if (off[i] < boundary) straddled = true;
            if (!tlp[i].IsNumber)
                throw new ProtocolMismatchException(i == 0 ? "the answer starts at the first token, which has no log-probability; the prompt must not be empty."
                                                           : $"token {i} has no log-probability.");
            nll -= tlp[i].LogProb(); m++;
        }
        if (m == 0) throw new ProtocolMismatchException("no token of the echo lies in the answer.");
        return new LikelihoodScore(nll, m, false, straddled);
    }

    private async Task<LikelihoodScore> PromptLogprobsAsync(EvalTask t, CancellationToken ct)
    {
        string full = t.Prompt + t.Answer;
        using var doc = await client.PostAsync("v1/completions", w =>
        {
            Common(w, model); w.WriteString("prompt", full); w.WriteNumber("prompt_logprobs", 1);
        }, ct);
        var choice = FirstChoice(doc, Url("v1/completions"));
        if (!choice.TryGet("prompt_logprobs", out var pl) || !pl.IsArray)
            throw new ProtocolMismatchException("no prompt_logprobs in the answer (a vLLM extension).");
        int[]? ids = choice.TryGet("prompt_token_ids", out var pti) ? pti.Items().Select(x => x.Int()).ToArray() : null;
        int n = pl.Length;
        if (ids is not null && ids.Length != n) throw pti.Bad($"has {ids.Length} ids where prompt_logprobs has {n} positions; they must pair up.");
        var pieces = new string[n]; var lps = new double[n];
        for (int i = 1; i < n; i++)
        {
            var map = pl[i].Object();
            var entries = map.Value.EnumerateObject().ToList();
            // The prompt's own token is always in the map: with prompt_logprobs = 1 it is the only entry when it ranks first,
            // otherwise the entry that is not rank 1 (when the server does not send the prompt's token ids).
            var own = ids is not null ? entries.FirstOrDefault(e => e.Name == ids[i].ToString(System.Globalization.CultureInfo.InvariantCulture))
                    : entries.Count == 1 ? entries[0]
                    : entries.FirstOrDefault(e => new Field(e.Value, $"{map.Path}.{e.Name}", map.Endpoint).Object().TryGet("rank", out var r) && r.Int() != 1);
            if (own.Value.ValueKind == JsonValueKind.Undefined) throw new ProtocolMismatchException($"prompt_logprobs[{i}] lacks the prompt's own token.");
            var entry = new Field(own.Value, $"{map.Path}.{own.Name}", map.Endpoint).Object();
            lps[i] = entry.Get("logprob").LogProb();
            pieces[i] = entry.TryGet("decoded_token", out var dt) ? dt.String() : "";
        }
        // The answer is the text's suffix: walk back over decoded tokens until they cover it.
        int covered = 0, k = n;
        while (k > 1 && covered < t.Answer.Length) { k--; covered += pieces[k].Length; }
        if (covered < t.Answer.Length) throw new ProtocolMismatchException("the decoded prompt tokens do not cover the answer.");
        string suffix = string.Concat(pieces[k..]);
        if (!suffix.EndsWith(t.Answer, StringComparison.Ordinal))
            throw new ProtocolMismatchException("the decoded prompt tokens do not reproduce the answer text, so it cannot be located.");
        double nll = 0;
        for (int i = k; i < n; i++) nll -= lps[i];
        return new LikelihoodScore(nll, n - k, false, covered > t.Answer.Length);
    }

    private async Task<int[]> TokenizeAsync(string text, CancellationToken ct)
    {
        using var doc = await client.PostAsync("tokenize", w =>
        {
            w.WriteString("content", text); w.WriteString("prompt", text); w.WriteString("model", model);
            w.WriteBoolean("add_special", false); w.WriteBoolean("add_special_tokens", false);
        }, ct);
        var root = Field.Root(doc, Url("tokenize")).Object();
        if (!root.TryGet("tokens", out var toks) || !toks.IsArray)
            throw new ProtocolMismatchException("/tokenize returned no token list.");
        return toks.Items().Select(x => x.IsObject ? x.Get("id").Int() : x.Int()).ToArray();
    }

    private async Task<LikelihoodScore> PerTokenAsync(EvalTask t, CancellationToken ct)
    {
        var prompt = await TokenizeAsync(t.Prompt, ct);
        var answer = await TokenizeAsync(t.Answer, ct);
        if (prompt.Length == 0 || answer.Length == 0) throw new ProtocolMismatchException("/tokenize gave no tokens for the prompt or the answer.");
        double nll = 0; bool censored = false;
        var ids = new List<int>(prompt);
        for (int j = 0; j < answer.Length; j++)
        {
            using var doc = await client.PostAsync("v1/completions", w =>
            {
                Common(w, model);
                w.WriteStartArray("prompt"); foreach (var id in ids) w.WriteNumberValue(id); w.WriteEndArray();
                w.WriteNumber("logprobs", topLogprobs); w.WriteNumber("n_probs", topLogprobs); w.WriteBoolean("post_sampling_probs", false);
                w.WriteBoolean("cache_prompt", true);
            }, ct);
            var choice = FirstChoice(doc, Url("v1/completions"));
            if (!choice.TryGet("logprobs", out var lp) || !lp.IsObject || !lp.TryGet("content", out var content) || !content.IsArray || content.Length == 0)
                throw new ProtocolMismatchException("no per-token logprobs with token ids (llama.cpp's logprobs.content) in the answer.");
            var first = content[0].Object();
            if (!first.TryGet("top_logprobs", out var top) || !top.IsArray)
                throw new ProtocolMismatchException("no top_logprobs for the next token.");
            double? gold = null; double min = 0;
            foreach (var e in top.Items())
            {
                double l = e.Get("logprob").LogProb();
                min = Math.Min(min, l);
                if (e.Get("id").Int() == answer[j]) { gold = l; break; }
            }
            if (gold is null) { censored = true; gold = min; }       // the gold token is less likely than every one returned
            nll -= gold.Value;
            ids.Add(answer[j]);
        }
        return new LikelihoodScore(nll, answer.Length, censored, false);
    }

    private string Url(string path) => $"{client.Endpoint}{path}";

    /// <summary>choices[0] of a completion answer, an object (anything else is a malformed answer naming the field).</summary>
    public static Field FirstChoice(JsonDocument doc, string endpoint)
    {
        var ch = Field.Root(doc, endpoint).Object().Get("choices");
        if (ch.Length == 0) throw ch.Bad("is empty; a completion answer has at least one choice.");
        return ch[0].Object();
    }
}
