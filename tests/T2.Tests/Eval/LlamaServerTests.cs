using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using T2.Testbed.Inference;
using T2.Tests.Cli;
using Xunit.Abstractions;

namespace T2.Tests.Eval;

/// <summary>
/// A third-party engine checks t2's model: the checkpoint exported to GGUF, served by llama.cpp's llama-server (built by
/// tools/build-llama-server.sh into a cache outside the clone), evaluated over HTTP by t2 eval. In CI (CI set) a missing
/// binary fails loudly; locally the runner reports the tests as skipped, with the reason.
/// </summary>
public sealed class LlamaServerFixture : IAsyncLifetime
{
    public EvalFixture Eval { get; } = new();
    public string? Binary { get; } = Locate();
    public string Url { get; private set; } = "";
    public string Gguf => Path.Combine(Eval.Tiny.Dir, "tiny.gguf");
    private Process? _server;
    public string Log { get; private set; } = "";

    public static string? Locate() => T2.Eval.LlamaServerLocation.Find();

    public async Task InitializeAsync()
    {
        await Eval.InitializeAsync();
        if (Binary is null) return;
        var r = CliRun.Of("testbed", "export", "--checkpoint", Eval.CheckpointDir, "--gguf", Gguf);
        Assert.True(r.Code == 0, r.Err);
        int port = EvalFixture.FreePort();
        Url = $"http://127.0.0.1:{port}";
        // Flash attention off and a float32 KV cache: llama.cpp's CPU flash-attention path loses precision (it moves answer
        // NLL by up to 4e-3 here); -np 4 slots, so n > 4 per request is refused and t2 eval must split.
        var psi = new ProcessStartInfo(Binary, ["-m", Gguf, "-c", Eval.Tiny.Config.Context.ToString(), "--host", "127.0.0.1", "--port", port.ToString(),
            "-t", "1", "-np", "4", "-ctk", "f32", "-ctv", "f32", "-fa", "off", "--no-webui", "-a", EvalFixture.Model])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        _server = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        _server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _server.BeginErrorReadLine(); _server.BeginOutputReadLine();
        using var http = new HttpClient();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (_server.HasExited) break;
            try { if ((await http.GetAsync(Url + "/health")).IsSuccessStatusCode) return; } catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        lock (log) Log = log.ToString();
        throw new InvalidOperationException($"llama-server did not come up: {Log}");
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false }) { _server.Kill(); await _server.WaitForExitAsync(); }
        await Eval.DisposeAsync();
    }
}

[Trait("Category", "Slow")]
public class LlamaServerTests(LlamaServerFixture fx, ITestOutputHelper output) : IClassFixture<LlamaServerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-llama-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private void RequireServer() => Requires.Program(fx.Binary is not null, "llama-server",
        "build it with tools/build-llama-server.sh into ~/.cache/t2, or set T2_LLAMA_SERVER");

    private string[] Eval(string outName, params string[] extra) =>
        ["eval", "--endpoint", fx.Url, "--model", EvalFixture.Model, "--tasks", fx.Eval.Tasks, "--checkpoint", "tiny", "--params", "1000",
         "--tokens", "400000", "--out", Path.Combine(_dir, outName), .. extra];

    [SkippableFact]
    public async Task LlamaCpp_Tokenizes_EveryQuestion_AsT2Does()
    {
        RequireServer();
        using var http = new HttpClient { BaseAddress = new Uri(fx.Url) };
        var tok = fx.Eval.Tiny.World.Tokenizer;
        foreach (var q in fx.Eval.Questions.Where((_, i) => i % 5 == 0))
            foreach (var text in new[] { q.Prompt, " " + q.Answer })
            {
                var resp = await http.PostAsJsonAsync("tokenize", new { content = text, add_special = false });
                var ids = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("tokens").EnumerateArray().Select(x => x.GetInt32());
                Assert.Equal(tok.Encode(text), ids.ToArray());
            }
    }

    [SkippableFact]
    public void LlamaServer_Likelihood_WithinOneThousandth_OfT2()
    {
        RequireServer();
        var r = CliRun.Of(Eval("l.jsonl", "--json"));
        Assert.True(r.Code == 0, r.Err);
        var run = JsonDocument.Parse(r.Out).RootElement.GetProperty("runs")[0];
        Assert.Equal("per-token", run.GetProperty("protocol").GetString());
        Assert.Equal(0, run.GetProperty("censored").GetInt32());
        var got = EvalTests.ReadJournal(Path.Combine(_dir, "l.jsonl"));
        var want = fx.Eval.InProcessLikelihood();
        double worst = 0;
        foreach (var q in want) worst = Math.Max(worst, Math.Abs(q.Nll - got[(q.Question.Family, q.Question.Id)].GetProperty("nll").GetDouble()));
        output.WriteLine($"max |NLL(llama-server) − NLL(t2)| over {want.Length} questions: {worst:E2}");
        Assert.True(worst < 1e-3, $"worst difference {worst}");
    }

    [SkippableFact]
    public void LlamaServer_Samples_AgreeWithT2_WithinSamplingError_AndNAboveItsSlotsIsSplit()
    {
        RequireServer();
        var r = CliRun.Of(Eval("s.jsonl", "--mode", "sample", "--n", "16", "--max-n", "16", "--seed", "3", "--json"));
        Assert.True(r.Code == 0, r.Err);
        var run = JsonDocument.Parse(r.Out).RootElement.GetProperty("runs")[0];
        Assert.Equal(4, run.GetProperty("max_n_per_request").GetInt32());     // -np 4: the server refused n = 16 and 8
        Assert.Equal(0, run.GetProperty("repeated_requests").GetInt32());      // seeds seed + a: no collisions with seed + j
        Assert.DoesNotContain("warning", r.Err);
        var j = EvalTests.ReadJournal(Path.Combine(_dir, "s.jsonl"));
        var inproc = Evaluator.Sample(fx.Eval.Tiny.Model, fx.Eval.Tiny.World.Tokenizer, fx.Eval.Questions, 16, 1.0, 99);
        foreach (var fam in inproc.GroupBy(x => x.Question.Family))
        {
            double p1 = fam.Average(x => (double)x.Correct / x.Samples);
            double p2 = fam.Average(x => j[(fam.Key, x.Question.Id)].GetProperty("num_correct").GetDouble() / 16);
            double se = Math.Sqrt(2 * Math.Max(p1 * (1 - p1), 1e-4) / (fam.Count() * 16));
            output.WriteLine($"{fam.Key}: pass@1 t2 {p1:F4}, llama-server {p2:F4} (se {se:F4})");
            Assert.True(Math.Abs(p1 - p2) < 5 * se + 1e-9, $"{fam.Key}: {p1} vs {p2} (se {se})");
        }
    }
}
