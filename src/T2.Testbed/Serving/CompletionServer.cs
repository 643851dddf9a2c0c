using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace T2.Testbed.Serving;

/// <summary>Limits of <see cref="CompletionServer"/>: anything beyond them is a 400, never a crash or an allocation.</summary>
public sealed record ServeOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8000;
    public string ModelName { get; init; } = "t2-testbed";
    public int Workers { get; init; } = Environment.ProcessorCount;
    public int MaxN { get; init; } = 128;
    public int MaxLogprobs { get; init; } = 20;
    public int MaxPrompts { get; init; } = 64;
    public long MaxBodyBytes { get; init; } = 1 << 20;
}

/// <summary>
/// An OpenAI-compatible completions server over a testbed checkpoint (ASP.NET Core minimal API): /v1/completions with
/// prompt as text, token ids or a list of either; max_tokens, temperature, top_p, n, seed, stop, logprobs and echo in the
/// legacy shape (as vLLM), vLLM's prompt_logprobs; /v1/models; /tokenize and /detokenize (vLLM's and llama.cpp's field
/// names); /health. Errors in OpenAI's shape. Binds to loopback unless told otherwise; logs no prompts, keys or bodies.
/// </summary>
public static class CompletionServer
{
    public static WebApplication Build(CompletionEngine engine, ServeOptions o)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = o.MaxBodyBytes;
            k.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{(o.Host.Contains(':') ? $"[{o.Host}]" : o.Host)}:{o.Port}");
        var app = builder.Build();
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int counter = 0;

        app.MapGet("/health", Handle(_ => Task.FromResult(Results.Text("{\"status\":\"ok\"}", "application/json"))));
        app.MapGet("/v1/models", Handle(_ => Task.FromResult(Results.Text(Json(w =>
        {
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            w.WriteStartObject();
            w.WriteString("id", o.ModelName); w.WriteString("object", "model"); w.WriteNumber("created", created);
            w.WriteString("owned_by", "t2"); w.WriteNumber("max_model_len", engine.Config.Context);
            w.WriteStartObject("meta"); w.WriteNumber("n_vocab", engine.Config.VocabSize); w.WriteNumber("n_ctx_train", engine.Config.Context); w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }), "application/json"))));

        app.MapPost("/tokenize", Handle(async http =>
        {
            var (doc, err) = await ReadBody(http);
            if (err is not null) return err;
            using (doc)
            {
                var root = doc!.RootElement;
                var textEl = root.TryGetProperty("prompt", out var p) ? p : root.TryGetProperty("content", out var c) ? c : default;
                if (textEl.ValueKind != JsonValueKind.String) return Error(400, "'prompt' (or 'content') must be a string.", "prompt");
                // The same bound as /v1/completions: a text longer than 64 characters per context token cannot be a prompt,
                // and its token list would be a response many times the request.
                if (textEl.GetString()!.Length > 64 * engine.Config.Context)
                    return Error(400, $"the text is longer than this model's context ({engine.Config.Context} tokens).", "prompt");
                int[] ids;
                try { ids = engine.Tokenizer.Encode(textEl.GetString()!); }
                catch (ArgumentException e) { return Error(400, e.Message, "prompt"); }
                return Results.Text(Json(w =>
                {
                    w.WriteNumber("count", ids.Length); w.WriteNumber("max_model_len", engine.Config.Context);
                    w.WriteStartArray("tokens"); foreach (var t in ids) w.WriteNumberValue(t); w.WriteEndArray();
                }), "application/json");
            }
        }));

        app.MapPost("/detokenize", Handle(async http =>
        {
            var (doc, err) = await ReadBody(http);
            if (err is not null) return err;
            using (doc)
            {
                if (!doc!.RootElement.TryGetProperty("tokens", out var t) || !TryIds(t, engine.Config.VocabSize, out var ids))
                    return Error(400, $"'tokens' must be an array of token ids in [0, {engine.Config.VocabSize}).", "tokens");
                string text = string.Concat(ids.Select(engine.Piece));
                return Results.Text(Json(w => { w.WriteString("prompt", text); w.WriteString("content", text); }), "application/json");
            }
        }));

        app.MapPost("/v1/completions", Handle(async http =>
        {
            var (doc, err) = await ReadBody(http);
            if (err is not null) return err;
            List<(int[] Ids, string Text, int[] Offsets)> prompts;
            CompletionJob proto;
            bool echo, vllmPrompt;
            using (doc)
            {
                var parsed = Parse(doc!.RootElement, engine, o, out var error);
                if (error is not null) return error;
                (prompts, proto, echo, vllmPrompt) = parsed!.Value;
            }
            var results = new CompletionResult[prompts.Count];
            try
            {
                for (int i = 0; i < prompts.Count; i++)
                    results[i] = await engine.RunAsync(proto with { Prompt = prompts[i].Ids }, http.RequestAborted);
            }
            catch (OperationCanceledException) { return Results.Empty; }
            string id = $"cmpl-{Interlocked.Increment(ref counter):x8}";
            return Results.Text(Json(w => WriteCompletion(w, id, created, o.ModelName, engine, prompts, results, proto, echo, vllmPrompt)), "application/json");
        }));

        app.MapFallback(Handle(http => Task.FromResult(Error(404, $"no route {http.Request.Method} {http.Request.Path} (this server has /v1/completions, /v1/models, /tokenize, /detokenize, /health).", null, "not_found_error"))));
        return app;
    }

    // Handlers as plain RequestDelegates (no reflection-built parameter binding): the same server runs in a NativeAOT t2.
    private static RequestDelegate Handle(Func<HttpContext, Task<IResult>> handler) =>
        async http => await (await handler(http)).ExecuteAsync(http);

    /// <summary>The address the server actually listens on (port 0 picks a free one).</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static (List<(int[] Ids, string Text, int[] Offsets)> Prompts, CompletionJob Job, bool Echo, bool PromptLogprobs)? Parse(JsonElement r, CompletionEngine engine, ServeOptions o, out IResult? error)
    {
        error = null;
        int ctx = engine.Config.Context, V = engine.Config.VocabSize;
        IResult Bad(string msg, string param) => Error(400, msg, param);
        if (r.ValueKind != JsonValueKind.Object) { error = Bad("the body must be a JSON object.", "body"); return null; }
        if (r.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() != o.ModelName)
        { error = Error(404, $"the model '{m.GetString()}' does not exist; this server serves '{o.ModelName}'.", "model", "invalid_request_error", "model_not_found"); return null; }
        if (r.TryGetProperty("stream", out var st) && st.ValueKind == JsonValueKind.True) { error = Bad("stream is not supported by this server.", "stream"); return null; }
        if (!r.TryGetProperty("prompt", out var pe)) { error = Bad("'prompt' is required.", "prompt"); return null; }
        var prompts = new List<(int[], string, int[])>();
        var items = pe.ValueKind == JsonValueKind.Array && pe.GetArrayLength() > 0 && pe[0].ValueKind is JsonValueKind.String or JsonValueKind.Array
            ? pe.EnumerateArray().ToList() : [pe];
        if (items.Count > o.MaxPrompts) { error = Bad($"at most {o.MaxPrompts} prompts per request.", "prompt"); return null; }
        foreach (var item in items)
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                string text = item.GetString()!;
                if (text.Length > 64 * ctx) { error = Bad($"the prompt is longer than this model's context ({ctx} tokens).", "prompt"); return null; }
                try
                {
                    var (ids, offsets) = Encode(engine, text);
                    prompts.Add((ids, text, offsets));
                }
                catch (ArgumentException e) { error = Bad(e.Message, "prompt"); return null; }
            }
            else if (TryIds(item, V, out var ids))
            {
                var offs = new int[ids.Length]; var sb = new StringBuilder();
                for (int i = 0; i < ids.Length; i++) { offs[i] = sb.Length; sb.Append(engine.Piece(ids[i])); }
                prompts.Add((ids, sb.ToString(), offs));
            }
            else { error = Bad($"'prompt' must be a string, an array of token ids in [0, {V}), or a list of either.", "prompt"); return null; }
        }
        int maxTokens = 16, n = 1, logprobs = -1, promptLogprobs = -1;
        double temperature = 1, topP = 1;
        int seed = Random.Shared.Next();
        var stop = new List<string>();
        bool echo = false;
        foreach (var p in r.EnumerateObject())
        {
            var v = p.Value;
            bool isNull = v.ValueKind == JsonValueKind.Null;
            switch (p.Name)
            {
                case "max_tokens" when !isNull:
                    if (!Int(v, 0, ctx, out maxTokens)) { error = Bad($"max_tokens must be an integer in [0, {ctx}].", p.Name); return null; } break;
                case "n" when !isNull:
                    if (!Int(v, 1, o.MaxN, out n)) { error = Bad($"n must be an integer in [1, {o.MaxN}].", p.Name); return null; } break;
                case "temperature" when !isNull:
                    if (!Num(v, 0, 100, out temperature)) { error = Bad("temperature must be a number in [0, 100].", p.Name); return null; } break;
                case "top_p" when !isNull:
                    if (!Num(v, double.Epsilon, 1, out topP)) { error = Bad("top_p must be a number in (0, 1].", p.Name); return null; } break;
                case "seed" when !isNull:
                    if (!Int(v, 0, int.MaxValue, out seed)) { error = Bad($"seed must be an integer in [0, {int.MaxValue}].", p.Name); return null; } break;
                case "logprobs" when !isNull:
                    if (!Int(v, 0, Math.Min(o.MaxLogprobs, V), out logprobs)) { error = Bad($"logprobs must be an integer in [0, {Math.Min(o.MaxLogprobs, V)}].", p.Name); return null; } break;
                case "prompt_logprobs" when !isNull:
                    if (!Int(v, 0, Math.Min(o.MaxLogprobs, V), out promptLogprobs)) { error = Bad($"prompt_logprobs must be an integer in [0, {Math.Min(o.MaxLogprobs, V)}].", p.Name); return null; } break;
                case "echo" when !isNull:
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) { error = Bad("echo must be true or false.", p.Name); return null; }
                    echo = v.GetBoolean(); break;
                case "stop" when !isNull:
                    if (v.ValueKind == JsonValueKind.String) stop.Add(v.GetString()!);
                    else if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() <= 4 && v.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
                        stop.AddRange(v.EnumerateArray().Select(s => s.GetString()!));
                    else { error = Bad("stop must be a string or a list of at most 4 strings.", p.Name); return null; }
                    if (stop.Any(s => s.Length == 0 || s.Length > 256)) { error = Bad("stop sequences must be 1 to 256 characters.", p.Name); return null; }
                    break;
            }
        }
        if ((long)seed + n > int.MaxValue) { error = Bad($"seed + n must stay below {int.MaxValue} (sample j uses seed + j).", "seed"); return null; }
        foreach (var (ids, _, _) in prompts)
        {
            if (ids.Length == 0) { error = Bad("the prompt has no tokens.", "prompt"); return null; }
            if (ids.Length + maxTokens > ctx)
            { error = Bad($"this model's maximum context length is {ctx} tokens; the prompt has {ids.Length} and max_tokens is {maxTokens}.", "max_tokens"); return null; }
        }
        int top = Math.Max(Math.Max(logprobs, promptLogprobs), 0);
        var job = new CompletionJob([], n, maxTokens, temperature, topP, seed, stop, top, logprobs >= 0, echo && logprobs >= 0 || promptLogprobs >= 0);
        return (prompts, job, echo, promptLogprobs >= 0);
    }

    private static (int[] Ids, int[] Offsets) Encode(CompletionEngine engine, string text)
    {
        // Token offsets into the caller's own text, whitespace belonging to the token after it (as in GPT-2's BPE): token i
        // is text[offset[i] .. offset[i+1]). Answer tokens are then located by character position, never by re-tokenising.
        var ids = new List<int>(); var offs = new List<int>();
        int i = 0, end = 0;
        while (i < text.Length)
        {
            if (text[i] == ' ') { i++; continue; }
            int start = i;
            while (i < text.Length && text[i] != ' ') i++;
            string word = text[start..i];
            int pos = 0;
            foreach (var piece in T2.Testbed.World.Tokenizer.Split(word))
            {
                int at = Math.Max(word.IndexOf(piece, pos, StringComparison.OrdinalIgnoreCase), pos);
                offs.Add(end);
                end = start + at + piece.Length;
                pos = at + piece.Length;
                ids.AddRange(engine.Tokenizer.Encode(piece));
            }
        }
        return (ids.ToArray(), offs.ToArray());
    }

    private static void WriteCompletion(Utf8JsonWriter w, string id, long created, string model, CompletionEngine engine,
        List<(int[] Ids, string Text, int[] Offsets)> prompts, CompletionResult[] results, CompletionJob job, bool echo, bool vllmPrompt)
    {
        w.WriteString("id", id); w.WriteString("object", "text_completion"); w.WriteNumber("created", created); w.WriteString("model", model);
        w.WriteStartArray("choices");
        int index = 0, promptTokens = 0, completionTokens = 0;
        for (int p = 0; p < prompts.Count; p++)
        {
            var (ids, text, offsets) = prompts[p];
            promptTokens += ids.Length;
            foreach (var c in results[p].Choices)
            {
                completionTokens += c.Tokens.Length;
                string gen = string.Concat(c.Tokens.Select(engine.Piece));
                w.WriteStartObject();
                w.WriteNumber("index", index++);
                bool echoText = echo && job.WantLogprobs;
                w.WriteString("text", echo ? text + gen : gen);
                if (!job.WantLogprobs) w.WriteNull("logprobs");
                else
                {
                    w.WriteStartObject("logprobs");
                    var pl = echoText ? results[p].PromptLogprobs : null;
                    w.WriteStartArray("tokens");
                    if (pl is not null) for (int i = 0; i < ids.Length; i++) w.WriteStringValue(text[offsets[i]..(i + 1 < ids.Length ? offsets[i + 1] : text.Length)]);
                    foreach (var t in c.Tokens) w.WriteStringValue(engine.Piece(t));
                    w.WriteEndArray();
                    w.WriteStartArray("token_logprobs");
                    if (pl is not null) foreach (var lp in pl) { if (lp is null) w.WriteNullValue(); else w.WriteNumberValue(lp.Value.Logprob); }
                    foreach (var lp in c.Logprobs) w.WriteNumberValue(lp.Logprob);
                    w.WriteEndArray();
                    w.WriteStartArray("top_logprobs");
                    if (pl is not null) foreach (var lp in pl) WriteTop(w, engine, lp);
                    foreach (var lp in c.Logprobs) WriteTop(w, engine, lp);
                    w.WriteEndArray();
                    w.WriteStartArray("text_offset");
                    int baseOff = 0;
                    if (pl is not null) { foreach (var off in offsets) w.WriteNumberValue(off); baseOff = text.Length; }
                    foreach (var t in c.Tokens) { w.WriteNumberValue(baseOff); baseOff += engine.Piece(t).Length; }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteString("finish_reason", c.FinishReason);
                if (vllmPrompt && results[p].PromptLogprobs is { } prl)
                {
                    // vLLM's prompt_logprobs: per position a map token id → {logprob, rank, decoded_token}; the first is null.
                    w.WriteStartArray("prompt_logprobs");
                    for (int i = 0; i < prl.Length; i++)
                    {
                        if (prl[i] is not { } lp) { w.WriteNullValue(); continue; }
                        w.WriteStartObject();
                        WriteVllmEntry(w, engine, lp.Id, lp.Logprob, Rank(lp));
                        if (lp.Top is not null) foreach (var (tid, tlp) in lp.Top.Take(Math.Max(1, job.TopLogprobs)))
                            if (tid != lp.Id) WriteVllmEntry(w, engine, tid, tlp, Array.FindIndex(lp.Top, x => x.Id == tid) + 1);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("prompt_token_ids"); foreach (var t in ids) w.WriteNumberValue(t); w.WriteEndArray();
                }
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", promptTokens); w.WriteNumber("completion_tokens", completionTokens);
        w.WriteNumber("total_tokens", promptTokens + completionTokens);
        w.WriteEndObject();
    }

    private static int Rank(TokenLogprob lp)
    {
        if (lp.Top is null) return 0;
        int i = Array.FindIndex(lp.Top, x => x.Id == lp.Id);
        return i >= 0 ? i + 1 : lp.Top.Count(x => x.Logprob > lp.Logprob) + 1;
    }

    private static void WriteVllmEntry(Utf8JsonWriter w, CompletionEngine engine, int id, double logprob, int rank)
    {
        w.WriteStartObject(id.ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("logprob", logprob); w.WriteNumber("rank", rank); w.WriteString("decoded_token", engine.Piece(id));
        w.WriteEndObject();
    }

    private static void WriteTop(Utf8JsonWriter w, CompletionEngine engine, TokenLogprob? lp)
    {
        if (lp is not { Top: { } top }) { w.WriteNullValue(); return; }
        w.WriteStartObject();
        foreach (var (id, l) in top) w.WriteNumber(engine.Piece(id), l);
        w.WriteEndObject();
    }

    private static bool TryIds(JsonElement e, int vocab, out int[] ids)
    {
        ids = [];
        if (e.ValueKind != JsonValueKind.Array) return false;
        var list = new List<int>(e.GetArrayLength());
        foreach (var x in e.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out int t) || t < 0 || t >= vocab) return false;
            list.Add(t);
        }
        ids = list.ToArray();
        return true;
    }

    private static bool Int(JsonElement e, int lo, int hi, out int v)
    {
        v = 0;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double d) || d != Math.Floor(d) || d < lo || d > hi) return false;
        v = (int)d; return true;
    }

    private static bool Num(JsonElement e, double lo, double hi, out double v)
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out v) && double.IsFinite(v) && v >= lo && v <= hi;
    }

    private static async Task<(JsonDocument?, IResult?)> ReadBody(HttpContext http)
    {
        try
        {
            var doc = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 16 }, http.RequestAborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) { doc.Dispose(); return (null, Error(400, "the body must be a JSON object.", "body")); }
            return (doc, null);
        }
        catch (JsonException) { return (null, Error(400, "the body is not valid JSON.", "body")); }
        catch (BadHttpRequestException e) when (e.StatusCode == 413) { return (null, Error(413, "the request body is too large.", "body")); }
        catch (BadHttpRequestException) { return (null, Error(400, "malformed request.", "body")); }
    }

    /// <summary>OpenAI's error shape: {"error": {"message", "type", "param", "code"}}.</summary>
    public static IResult Error(int status, string message, string? param, string type = "invalid_request_error", string? code = null) =>
        Results.Text(Json(w =>
        {
            w.WriteStartObject("error");
            w.WriteString("message", message); w.WriteString("type", type);
            if (param is null) w.WriteNull("param"); else w.WriteString("param", param);
            if (code is null) w.WriteNull("code"); else w.WriteString("code", code);
            w.WriteEndObject();
        }), "application/json", Encoding.UTF8, status);

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) { w.WriteStartObject(); body(w); w.WriteEndObject(); }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
