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
        var choice = FirstChoice(doc);
        if (!choice.TryGetProperty("logprobs", out var lp) || lp.ValueKind != JsonValueKind.Object
            || !lp.TryGetProperty("token_logprobs", out var tlp) || tlp.ValueKind != JsonValueKind.Array
            || !lp.TryGetProperty("text_offset", out var offs) || offs.ValueKind != JsonValueKind.Array)
            throw new ProtocolMismatchException("no legacy logprobs (token_logprobs, text_offset) in the echo answer.");
        if (!choice.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String || !text.GetString()!.StartsWith(full, StringComparison.Ordinal))
            throw new ProtocolMismatchException("the echoed text is not the prompt sent, so text offsets cannot locate the answer.");
        int n = offs.GetArrayLength(), boundary = t.Prompt.Length;
        if (tlp.GetArrayLength() != n) throw new ProtocolMismatchException("token_logprobs and text_offset differ in length.");
        double nll = 0; int m = 0; bool straddled = false;
        for (int i = 0; i < n; i++)
        {
            int off = offs[i].GetInt32(), next = i + 1 < n ? offs[i + 1].GetInt32() : int.MaxValue;
            if (off >= full.Length) break;                              // the generated token
            bool inAnswer = off >= boundary || next > boundary;
            if (!inAnswer) continue;
            if (off < boundary) straddled = true;
            if (tlp[i].ValueKind != JsonValueKind.Number)
                throw new ProtocolMismatchException(i == 0 ? "the answer starts at the first token, which has no log-probability; the prompt must not be empty."
                                                           : $"token {i} has no log-probability.");
            nll -= tlp[i].GetDouble(); m++;
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
        var choice = FirstChoice(doc);
        if (!choice.TryGetProperty("prompt_logprobs", out var pl) || pl.ValueKind != JsonValueKind.Array)
            throw new ProtocolMismatchException("no prompt_logprobs in the answer (a vLLM extension).");
        int[]? ids = choice.TryGetProperty("prompt_token_ids", out var pti) && pti.ValueKind == JsonValueKind.Array
            ? pti.EnumerateArray().Select(x => x.GetInt32()).ToArray() : null;
        int n = pl.GetArrayLength();
        var pieces = new string[n]; var lps = new double[n];
        for (int i = 1; i < n; i++)
        {
            var map = pl[i];
            if (map.ValueKind != JsonValueKind.Object) throw new ProtocolMismatchException($"prompt_logprobs[{i}] is not an object.");
            var entries = map.EnumerateObject().ToList();
            // The prompt's own token is always in the map: with prompt_logprobs = 1 it is the only entry when it ranks first,
            // otherwise the entry that is not rank 1 (when the server does not send the prompt's token ids).
            var own = ids is not null ? entries.FirstOrDefault(e => e.Name == ids[i].ToString(System.Globalization.CultureInfo.InvariantCulture))
                    : entries.Count == 1 ? entries[0] : entries.FirstOrDefault(e => e.Value.TryGetProperty("rank", out var r) && r.GetInt32() != 1);
            if (own.Value.ValueKind != JsonValueKind.Object) throw new ProtocolMismatchException($"prompt_logprobs[{i}] lacks the prompt's own token.");
            lps[i] = own.Value.GetProperty("logprob").GetDouble();
            pieces[i] = own.Value.TryGetProperty("decoded_token", out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString()! : "";
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
        if (!doc.RootElement.TryGetProperty("tokens", out var toks) || toks.ValueKind != JsonValueKind.Array)
            throw new ProtocolMismatchException("/tokenize returned no token list.");
        return toks.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Object ? x.GetProperty("id").GetInt32() : x.GetInt32()).ToArray();
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
            var choice = FirstChoice(doc);
            if (!choice.TryGetProperty("logprobs", out var lp) || lp.ValueKind != JsonValueKind.Object
                || !lp.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
                throw new ProtocolMismatchException("no per-token logprobs with token ids (llama.cpp's logprobs.content) in the answer.");
            var first = content[0];
            if (!first.TryGetProperty("top_logprobs", out var top) || top.ValueKind != JsonValueKind.Array)
                throw new ProtocolMismatchException("no top_logprobs for the next token.");
            double? gold = null; double min = 0;
            foreach (var e in top.EnumerateArray())
            {
                double l = e.GetProperty("logprob").GetDouble();
                min = Math.Min(min, l);
                if (e.GetProperty("id").GetInt32() == answer[j]) { gold = l; break; }
            }
            if (gold is null) { censored = true; gold = min; }       // the gold token is less likely than every one returned
            nll -= gold.Value;
            ids.Add(answer[j]);
        }
        return new LikelihoodScore(nll, answer.Length, censored, false);
    }

    public static JsonElement FirstChoice(JsonDocument doc)
    {
        if (!doc.RootElement.TryGetProperty("choices", out var ch) || ch.ValueKind != JsonValueKind.Array || ch.GetArrayLength() == 0)
            throw new ProtocolMismatchException("the answer has no choices.");
        return ch[0];
    }
}
