using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Testbed.IO;
using T2.Testbed.Serving;

namespace T2.Cli.Commands;

/// <summary>
/// <c>t2 bench serve</c>: sampling throughput of <c>t2 testbed serve</c> against llama.cpp's llama-server on the same
/// GGUF-exported model, same threads and the same client load, in one run (the machine drifts, so only the ratio in one
/// run means much); and t2 eval's client overhead per request against a server that answers at once.
/// </summary>
public static class ServeBench
{
    public static Command Build(CliContext ctx)
    {
        var ckpt = new Option<string>("--checkpoint") { Description = "Checkpoint directory.", Required = true };
        var llama = new Option<string?>("--llama-server") { Description = "llama-server binary (default: $T2_LLAMA_SERVER or the cache of tools/build-llama-server.sh); omitted = t2 only." };
        var threads = new Option<int>("--threads") { Description = "Threads for each server (t2: decoding workers; llama.cpp: -t).", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 4 };
        var requests = new Option<int>("--requests") { Description = "Requests per server.", DefaultValueFactory = _ => 300 };
        var n = new Option<int>("--n") { Description = "Samples per request.", DefaultValueFactory = _ => 4 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens per sample (no stop: every sample runs to the limit unless it emits <eos>).", DefaultValueFactory = _ => 16 };
        var json = CommonOptions.Json("JSON output.");
        var cmd = new Command("serve", "Sampling throughput: t2 testbed serve vs llama-server on the same model and load; client overhead of t2 eval.")
            { ckpt, llama, threads, concurrency, requests, n, maxTokens, json };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(ckpt)!;
            int th = p.GetValue(threads), conc = p.GetValue(concurrency), reqs = p.GetValue(requests), nn = p.GetValue(n), mt = p.GetValue(maxTokens);
            if (th < 1 || conc < 1 || reqs < 1 || nn < 1 || mt < 1) throw new UsageException("--threads, --concurrency, --requests, --n and --max-tokens must be ≥ 1.");
            var (info, model, world) = ServeCommand.Load(dir);
            if (mt + 32 > info.Model.Context) throw new UsageException($"--max-tokens leaves too little of the context {info.Model.Context} for prompts.");
            var prompts = world.Questions().Select(q => q.Prompt).Where(q => world.Tokenizer.Encode(q).Length + mt <= info.Model.Context).ToArray();
            var rows = new List<(string Server, double Seconds, long Tokens)>();

            var engine = new CompletionEngine(model, world.Tokenizer, th);
            var app = CompletionServer.Build(engine, new ServeOptions { Port = 0, ModelName = "bench", Workers = th });
            app.StartAsync().GetAwaiter().GetResult();
            try { var (sec, tok) = Load(CompletionServer.Address(app), prompts, reqs, conc, nn, mt); rows.Add(("t2 testbed serve", sec, tok)); }
            finally { app.StopAsync().GetAwaiter().GetResult(); }

            string bin = p.GetValue(llama) ?? T2.Eval.LlamaServerLocation.Path();
            string? llamaNote = null;
            if (File.Exists(bin))
            {
                string gguf = Path.Combine(Path.GetTempPath(), $"t2-bench-{Environment.ProcessId}.gguf");
                GgufExport.Write(gguf, info, model, "bench");
                int port = FreePort(), slots = conc * nn;
                var psi = new ProcessStartInfo(bin, ["-m", gguf, "-c", (slots * info.Model.Context).ToString(), "--host", "127.0.0.1", "--port", port.ToString(),
                    "-t", th.ToString(), "-tb", th.ToString(), "-np", slots.ToString(), "-ctk", "f32", "-ctv", "f32", "-fa", "off", "--no-webui", "-a", "bench"])
                { RedirectStandardError = true, RedirectStandardOutput = true };
                using var proc = Process.Start(psi)!;
                proc.BeginErrorReadLine(); proc.BeginOutputReadLine();
                try
                {
                    WaitHealthy($"http://127.0.0.1:{port}", proc);
                    var (sec, tok) = Load($"http://127.0.0.1:{port}", prompts, reqs, conc, nn, mt);
                    rows.Add(("llama-server", sec, tok));
                }
                finally { if (!proc.HasExited) proc.Kill(); proc.WaitForExit(); File.Delete(gguf); }
            }
            else llamaNote = $"llama-server not found at {bin}: run tools/build-llama-server.sh for the comparison.";

            var (clientUs, rawUs) = ClientOverhead(2000);
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("threads", th); w.WriteNumber("concurrency", conc); w.WriteNumber("requests", reqs); w.WriteNumber("n", nn); w.WriteNumber("max_tokens", mt);
                    w.WriteStartArray("servers");
                    foreach (var r in rows)
                    {
                        w.WriteStartObject(); w.WriteString("server", r.Server); w.WriteNumber("seconds", r.Seconds);
                        w.WriteNumber("completion_tokens", r.Tokens); w.WriteNumber("tokens_per_second", r.Tokens / r.Seconds);
                        w.WriteNumber("requests_per_second", reqs / r.Seconds); w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    if (rows.Count == 2) w.WriteNumber("t2_over_llama", rows[0].Tokens / rows[0].Seconds / (rows[1].Tokens / rows[1].Seconds)); else w.WriteNull("t2_over_llama");
                    w.WriteNumber("client_us_per_request", clientUs); w.WriteNumber("raw_httpclient_us_per_request", rawUs);
                    if (llamaNote is not null) w.WriteString("note", llamaNote);
                    w.WriteEndObject();
                }));
                return 0;
            }
            var t = new Table().AddColumn("server").AddColumn(new TableColumn("tokens/s").RightAligned()).AddColumn(new TableColumn("requests/s").RightAligned())
                .AddColumn(new TableColumn("completion tokens").RightAligned());
            foreach (var r in rows) t.AddRow(r.Server, $"{r.Tokens / r.Seconds:N0}", $"{reqs / r.Seconds:F1}", $"{r.Tokens:N0}");
            ctx.Console.Write(t);
            if (rows.Count == 2) ctx.Console.MarkupLine($"t2 / llama-server: {rows[0].Tokens / rows[0].Seconds / (rows[1].Tokens / rows[1].Seconds):F2}× ({th} thread(s), {conc} requests in flight, n = {nn}, {mt} tokens each)");
            if (llamaNote is not null) ctx.Console.MarkupLine(Markup.Escape(llamaNote));
            ctx.Console.MarkupLine($"t2 eval client: {clientUs:F0} µs per request against an instant server (a bare HttpClient: {rawUs:F0} µs; the difference is the retry pipeline and JSON).");
            return 0;
        });
        return cmd;
    }

    private static (double Seconds, long Tokens) Load(string url, string[] prompts, int requests, int concurrency, int n, int maxTokens)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        long tokens = 0;
        var sw = Stopwatch.StartNew();
        Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            // top_k −1 / min_p 0: llama-server then samples the same plain distribution as t2 (its defaults truncate it).
            string body = Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("model", "bench"); w.WriteString("prompt", prompts[i % prompts.Length]);
                w.WriteNumber("n", n); w.WriteNumber("max_tokens", maxTokens); w.WriteNumber("temperature", 1.0);
                w.WriteNumber("seed", 1 + i * n);
                w.WriteNumber("top_k", -1); w.WriteNumber("min_p", 0);
                w.WriteEndObject();
            }, indented: false);
            using var resp = await http.PostAsync("v1/completions", new StringContent(body, Encoding.UTF8, "application/json"), ct);
            var text = await resp.Content.ReadAsStringAsync(ct);
            if (!resp.IsSuccessStatusCode) throw new UsageException($"{url} answered {(int)resp.StatusCode}: {T2.Eval.OpenAiClient.ErrorMessage(text) ?? text}");
            using var d = JsonDocument.Parse(text);
            // Counted from the texts (every testbed token is one space-separated word): llama-server's usage counts one of n.
            long count = 0;
            foreach (var c in d.RootElement.GetProperty("choices").EnumerateArray())
                count += c.GetProperty("text").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            Interlocked.Add(ref tokens, count);
        }).GetAwaiter().GetResult();
        return (sw.Elapsed.TotalSeconds, tokens);
    }

    private static (double ClientUs, double RawUs) ClientOverhead(int requests)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        var app = b.Build();
        const string canned = "{\"choices\":[{\"index\":0,\"text\":\" a\",\"logprobs\":null,\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
        app.MapPost("/v1/completions", (RequestDelegate)(http =>
        {
            http.Response.ContentType = "application/json";
            return http.Response.WriteAsync(canned);
        }));
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            string url = CompletionServer.Address(app);
            using var client = new T2.Eval.OpenAiClient(url, new T2.Eval.ClientOptions());
            using var raw = new HttpClient { BaseAddress = new Uri(url) };
            for (int i = 0; i < 200; i++) { client.PostAsync("v1/completions", w => w.WriteString("prompt", "x"), default).GetAwaiter().GetResult().Dispose(); }
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < requests; i++)
                client.PostAsync("v1/completions", w => { w.WriteString("model", "m"); w.WriteString("prompt", "capital of"); w.WriteNumber("max_tokens", 1); }, default).GetAwaiter().GetResult().Dispose();
            double c = sw.Elapsed.TotalMilliseconds * 1000 / requests;
            for (int i = 0; i < 200; i++) raw.PostAsync("v1/completions", new StringContent("{}")).GetAwaiter().GetResult().Dispose();
            sw.Restart();
            for (int i = 0; i < requests; i++)
            {
                using var resp = raw.PostAsync("v1/completions", new StringContent("{\"model\":\"m\",\"prompt\":\"capital of\",\"max_tokens\":1}", Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                resp.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            }
            return (c, sw.Elapsed.TotalMilliseconds * 1000 / requests);
        }
        finally { app.StopAsync().GetAwaiter().GetResult(); }
    }

    private static void WaitHealthy(string url, Process proc)
    {
        using var http = new HttpClient();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until && !proc.HasExited)
        {
            try { if (http.GetAsync(url + "/health").GetAwaiter().GetResult().IsSuccessStatusCode) return; } catch (HttpRequestException) { }
            Thread.Sleep(200);
        }
        throw new UsageException($"llama-server did not come up at {url}.");
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0); l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port; l.Stop();
        return port;
    }
}
