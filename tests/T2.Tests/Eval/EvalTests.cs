using System.Net;
using System.Text;
using System.Text.Json;
using T2.Testbed.Inference;
using T2.Testbed.Serving;
using T2.Tests.Cli;

namespace T2.Tests.Eval;

[Trait("Category", "Slow")]
public class EvalTests(EvalFixture f) : IClassFixture<EvalFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-eval-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string P(string name) => Path.Combine(_dir, name);

    private static string[] Eval(string url, string tasks, string output, params string[] extra) =>
        ["eval", "--endpoint", url, "--model", EvalFixture.Model, "--tasks", tasks, "--checkpoint", "tiny", "--params", "1000", "--tokens", "400000",
         "--out", output, .. extra];

    public static Dictionary<(string Task, string Id), JsonElement> ReadJournal(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => (e.GetProperty("task").GetString()!, e.GetProperty("question").GetString()!));

    [Theory]
    [InlineData("echo")]
    [InlineData("prompt-logprobs")]
    public void Likelihood_OverHttp_EqualsInProcessEvaluation(string protocol)
    {
        var r = CliRun.Of(Eval(f.Url, f.Tasks, P("l.jsonl"), "--protocol", protocol, "--json"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(protocol, JsonDocument.Parse(r.Out).RootElement.GetProperty("runs")[0].GetProperty("protocol").GetString());
        var got = ReadJournal(P("l.jsonl"));
        var want = f.InProcessLikelihood();
        Assert.Equal(want.Length, got.Count);
        foreach (var q in want)
        {
            var e = got[(q.Question.Family, q.Question.Id)];
            Assert.Equal(q.Nll, e.GetProperty("nll").GetDouble(), 1e-9);
            Assert.Equal(f.Tiny.World.Tokenizer.Encode(q.Question.Answer).Length, e.GetProperty("answer_tokens").GetInt32());
        }
    }

    [Fact]
    public void Probe_PicksEcho_AndAForcedProtocolTheServerLacks_IsAClearError()
    {
        var r = CliRun.Of(Eval(f.Url, f.Tasks, P("p.jsonl"), "--json"));
        Assert.Equal(0, r.Code);
        Assert.Equal("echo", JsonDocument.Parse(r.Out).RootElement.GetProperty("runs")[0].GetProperty("protocol").GetString());
        // The testbed server caps logprobs at 20 (as vLLM does by default); per-token needs the whole next-token distribution.
        var bad = CliRun.Of(Eval(f.Url, f.Tasks, P("q.jsonl"), "--protocol", "per-token"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("per-token", bad.Err);
        Assert.Contains("logprobs must be an integer", bad.Err);
        Assert.Single(bad.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Sample_SplitRequests_GiveExactlyTheSamplesOfOneRequest_AndMatchTheEngine()
    {
        var a = CliRun.Of(Eval(f.Url, f.Tasks, P("a.jsonl"), "--mode", "sample", "--n", "12", "--max-n", "12", "--seed", "5"));
        var b = CliRun.Of(Eval(f.Url, f.Tasks, P("b.jsonl"), "--mode", "sample", "--n", "12", "--max-n", "5", "--seed", "5"));
        Assert.True(a.Code == 0 && b.Code == 0, a.Err + b.Err);
        var ja = ReadJournal(P("a.jsonl")); var jb = ReadJournal(P("b.jsonl"));
        var tok = f.Tiny.World.Tokenizer;
        foreach (var q in f.Questions.Where((_, i) => i % 37 == 0))
        {
            var sa = ja[(q.Family, q.Id)].GetProperty("samples").EnumerateArray().Select(x => x.GetString()).ToArray();
            var sb = jb[(q.Family, q.Id)].GetProperty("samples").EnumerateArray().Select(x => x.GetString()).ToArray();
            Assert.Equal(sa, sb);
            // In process, with the same seeds (sample j: seed + j) and the same max_tokens, the engine gives the same texts.
            var job = new CompletionJob(tok.Encode(q.Prompt), 12, tok.Encode(q.Answer).Length, 1.0, 1.0, 5, [], 0, false, false);
            var direct = f.Engine.Run(job).Choices.Select(c => string.Concat(c.Tokens.Select(f.Engine.Piece))).ToArray();
            Assert.Equal(direct, sa);
        }
    }

    [Fact]
    public void Sample_PassAt1_AgreesWithTheEvaluator_WithinSamplingError()
    {
        var r = CliRun.Of(Eval(f.Url, f.Tasks, P("s.jsonl"), "--mode", "sample", "--n", "16", "--seed", "11"));
        Assert.True(r.Code == 0, r.Err);
        var j = ReadJournal(P("s.jsonl"));
        var inproc = Evaluator.Sample(f.Tiny.Model, f.Tiny.World.Tokenizer, f.Questions, 16, 1.0, 99);
        foreach (var fam in inproc.GroupBy(x => x.Question.Family))
        {
            double p1 = fam.Average(x => (double)x.Correct / x.Samples);
            double p2 = fam.Average(x => j[(fam.Key, x.Question.Id)].GetProperty("num_correct").GetDouble() / 16);
            // Two independent estimates of the same mean over ~100 questions × 16 samples: 5 standard errors apart at most.
            double se = Math.Sqrt(2 * Math.Max(p1 * (1 - p1), 1e-4) / (fam.Count() * 16));
            Assert.True(Math.Abs(p1 - p2) < 5 * se + 1e-9, $"{fam.Key}: {p1} vs {p2} (se {se})");
        }
        Assert.All(j.Values, e => Assert.Equal(16, e.GetProperty("num_samples").GetInt32()));
    }

    [Fact]
    public async Task Faults_429_500_Drops_AndARestartMidRun_EveryQuestionExactlyOnce()
    {
        int port = EvalFixture.FreePort();
        await using var proxy = new FaultProxy(f.Url, port, 0.1, 0.1, 0.05);
        await proxy.StartAsync();
        var run = Task.Run(() => CliRun.Of(Eval(proxy.Url, f.Tasks, P("fault.jsonl"), "--concurrency", "8", "--protocol", "echo", "--retries", "16", "--json")));
        while (proxy.Requests < 120 && !run.IsCompleted) await Task.Delay(20);
        await proxy.StopAsync();                       // killed mid-run …
        await Task.Delay(1500);
        await proxy.StartAsync();                      // … and back on the same port
        var r = await run;
        Assert.True(r.Code == 0, r.Err + string.Join("\n", proxy.Log.TakeLast(40)));
        Assert.True(proxy.Faults > 10, $"only {proxy.Faults} faults injected");
        var lines = File.ReadAllLines(P("fault.jsonl"));
        Assert.Equal(f.Questions.Count, lines.Length);
        var got = ReadJournal(P("fault.jsonl"));
        foreach (var q in f.InProcessLikelihood()) Assert.Equal(q.Nll, got[(q.Question.Family, q.Question.Id)].GetProperty("nll").GetDouble(), 1e-9);
        Assert.True(JsonDocument.Parse(r.Out).RootElement.GetProperty("runs")[0].GetProperty("retries").GetInt64() > 0);
    }

    [Fact]
    public void Resume_AfterATornLastLine_LosesAndDuplicatesNothing()
    {
        var first = CliRun.Of(Eval(f.Url, f.Tasks, P("r.jsonl")));
        Assert.Equal(0, first.Code);
        var lines = File.ReadAllLines(P("r.jsonl"));
        // A kill after 150 results, the 151st half written.
        File.WriteAllText(P("r.jsonl"), string.Join("\n", lines.Take(150)) + "\n" + lines[150][..25]);
        var again = CliRun.Of(Eval(f.Url, f.Tasks, P("r.jsonl"), "--json"));
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("torn line", again.Err);
        var run = JsonDocument.Parse(again.Out).RootElement.GetProperty("runs")[0];
        Assert.Equal(150, run.GetProperty("skipped").GetInt32());
        Assert.Equal(lines.Length - 150, run.GetProperty("written").GetInt32());
        var after = File.ReadAllLines(P("r.jsonl"));
        Assert.Equal(lines.Length, after.Length);
        Assert.Equal(lines.Order(), after.Order());
        // And once more: nothing to do.
        var third = CliRun.Of(Eval(f.Url, f.Tasks, P("r.jsonl"), "--json"));
        Assert.Equal(0, JsonDocument.Parse(third.Out).RootElement.GetProperty("runs")[0].GetProperty("written").GetInt32());
    }

    [Fact]
    public async Task SeedsIgnored_LikeLmEvalHarness_AreDetectedAndReported()
    {
        int port = EvalFixture.FreePort();
        await using var proxy = new FaultProxy(f.Url, port, 0, 0, 0, fixedSeed: 1234);
        await proxy.StartAsync();
        var r = CliRun.Of(Eval(proxy.Url, f.Tasks, P("dup.jsonl"), "--mode", "sample", "--n", "16", "--max-n", "4", "--json"));
        Assert.True(r.Code == 0, r.Err);
        var run = JsonDocument.Parse(r.Out).RootElement.GetProperty("runs")[0];
        Assert.True(run.GetProperty("repeated_requests").GetInt32() > 300);
        Assert.True(run.GetProperty("duplicate_pairs").GetInt32() > 4 * run.GetProperty("expected_duplicate_pairs").GetDouble() + 10);
        Assert.Contains("repeat far more often than chance", r.Err);
        // Honest seeds through the same proxy path: no warning.
        var ok = CliRun.Of(Eval(f.Url, f.Tasks, P("nodup.jsonl"), "--mode", "sample", "--n", "16", "--max-n", "4"));
        Assert.DoesNotContain("warning", ok.Err);
    }

    [Fact]
    public void Journal_ReadsAsEvidence_ForPasskAndFits()
    {
        Assert.Equal(0, CliRun.Of(Eval(f.Url, f.Tasks, P("e.jsonl"))).Code);
        var r = CliRun.Of("passk", "--data", P("e.jsonl"), "--k", "1,4", "--json");
        Assert.True(r.Code == 0, r.Err);
    }

    [Fact]
    public void Registry_EvaluatesEveryRow_AndARowWithoutParamsNamesItsLine()
    {
        File.WriteAllText(P("reg.csv"), $"name,params,tokens,endpoint,model\na,1000,4e5,{f.Url},{EvalFixture.Model}\nb,2000,8e5,{f.Url},{EvalFixture.Model}\n");
        var r = CliRun.Of("eval", "--registry", P("reg.csv"), "--tasks", f.Tasks, "--out", P("reg.jsonl"), "--json");
        Assert.True(r.Code == 0, r.Err);
        var lines = File.ReadAllLines(P("reg.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2 * f.Questions.Count, lines.Count);
        Assert.Equal(f.Questions.Count, lines.Count(e => e.GetProperty("checkpoint").GetString() == "b" && e.GetProperty("N_params").GetDouble() == 2000));
        File.WriteAllText(P("bad.csv"), $"name,params,tokens,endpoint,model\na,1000,4e5,{f.Url},m\nb,,8e5,{f.Url},m\n");
        var bad = CliRun.Of("eval", "--registry", P("bad.csv"), "--tasks", f.Tasks, "--out", P("bad.jsonl"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("bad.csv:3: column 'params'", bad.Err);
        Assert.False(File.Exists(P("bad.jsonl")));
    }

    [Theory]
    [InlineData("{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\"}\n{\"task\":\"t\",\"prompt\":\"x\",\"answer\":\" y\"}\n", "tasks.jsonl:2: field \'id\'")]
    [InlineData("{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\"}\nnot json\n", "tasks.jsonl:2")]
    [InlineData("{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\",\"grade\":\"fuzzy\"}\n", "tasks.jsonl:1: field \'grade\'")]
    [InlineData("{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\",\"grade\":\"regex\",\"pattern\":\"(\"}\n", "tasks.jsonl:1: field \'pattern\'")]
    [InlineData("{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\"}\n{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\"}\n", "tasks.jsonl:2: field \'id\'")]
    [InlineData("{\"task\":\"t\",\"id\":\"a\",\"prompt\":\"x\",\"answer\":\" y\",\"max_tokens\":0}\n", "tasks.jsonl:1: field \'max_tokens\'")]
    public void MalformedTaskLines_Exit2_NamingLineAndField(string text, string expected)
    {
        File.WriteAllText(P("tasks.jsonl"), text);
        var r = CliRun.Of(Eval(f.Url, P("tasks.jsonl"), P("o.jsonl")));
        Assert.Equal(2, r.Code);
        Assert.Contains(expected, r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void UnreachableEndpoint_AndOtherModesFile_AreClearErrors()
    {
        int port = EvalFixture.FreePort();
        var r = CliRun.Of(Eval($"http://127.0.0.1:{port}", f.Tasks, P("u.jsonl"), "--retries", "1"));
        Assert.Equal(2, r.Code);
        Assert.Contains("cannot reach", r.Err);
        Assert.Contains("nothing written", r.Err);                  // nothing is created before the first result
        Assert.False(File.Exists(P("u.jsonl")));
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Equal(0, CliRun.Of(Eval(f.Url, f.Tasks, P("m.jsonl"))).Code);
        var wrong = CliRun.Of(Eval(f.Url, f.Tasks, P("m.jsonl"), "--mode", "sample", "--n", "2"));
        Assert.Equal(2, wrong.Code);
        Assert.Contains("holds likelihood evidence", wrong.Err);
        var dirOut = CliRun.Of(Eval(f.Url, f.Tasks, _dir));
        Assert.Equal(2, dirOut.Code);
        Assert.Contains("is a directory", dirOut.Err);
        var flags = CliRun.Of("eval", "--endpoint", f.Url, "--tasks", f.Tasks, "--out", P("x.jsonl"));
        Assert.Equal(2, flags.Code);
        Assert.Contains("--model, --checkpoint, --params, --tokens are required", flags.Err);
    }

    [Fact]
    public async Task Server_RejectsBadRequests_WithOpenAisErrorShape_AndBindsLoopback()
    {
        Assert.StartsWith("http://127.0.0.1:", f.Url);
        using var http = new HttpClient { BaseAddress = new Uri(f.Url) };
        async Task<(HttpStatusCode, JsonElement)> Post(string path, string body)
        {
            var resp = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            return (resp.StatusCode, JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement);
        }
        foreach (var (body, param) in new[]
        {
            ("{bad", "body"), ("[1,2]", "body"), ("{\"max_tokens\":3}", "prompt"), ("{\"prompt\":\"capital of\",\"n\":100000}", "n"),
            ("{\"prompt\":\"capital of\",\"max_tokens\":100000}", "max_tokens"), ("{\"prompt\":\"zzzz unknownword\"}", "prompt"),
            ("{\"prompt\":[1,2,99999]}", "prompt"), ("{\"prompt\":\"capital of\",\"temperature\":-1}", "temperature"),
            ("{\"prompt\":\"capital of\",\"logprobs\":500}", "logprobs"), ("{\"prompt\":\"capital of\",\"stream\":true}", "stream"),
            ("{\"prompt\":\"capital of\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "stop"),
        })
        {
            var (status, e) = await Post("v1/completions", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("invalid_request_error", e.GetProperty("error").GetProperty("type").GetString());
            Assert.Equal(param, e.GetProperty("error").GetProperty("param").GetString());
        }
        var (s404, _) = await Post("v1/completions", "{\"model\":\"other\",\"prompt\":\"capital of\"}");
        Assert.Equal(HttpStatusCode.NotFound, s404);
        // Expect: 100-continue lets the server refuse before the body is sent (otherwise the client may see a reset first).
        using var bigReq = new HttpRequestMessage(HttpMethod.Post, "v1/completions")
        {
            Content = new StringContent("{\"prompt\":\"" + new string('a', 2 << 20) + "\"}", Encoding.UTF8, "application/json"),
        };
        bigReq.Headers.ExpectContinue = true;
        var big = await http.SendAsync(bigReq);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.True(JsonDocument.Parse(await big.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
        // A well-formed request with several prompts, stop and top_p still works after all that.
        var (ok, res) = await Post("v1/completions", "{\"prompt\":[\"capital of\",[5,6]],\"n\":2,\"max_tokens\":4,\"top_p\":0.9,\"seed\":3,\"stop\":[\" .\"]}");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(4, res.GetProperty("choices").GetArrayLength());
    }

    [Fact]
    public async Task Tokenize_IsBoundedLikeCompletions()
    {
        using var http = new HttpClient { BaseAddress = new Uri(f.Url) };
        string huge = string.Concat(Enumerable.Repeat("capital of ", 30_000));   // 330 KB: under the body limit, far over any context
        var resp = await http.PostAsync("tokenize", new StringContent(JsonSerializer.Serialize(new { prompt = huge }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var e = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("prompt", e.GetProperty("param").GetString());
        Assert.Contains("context", e.GetProperty("message").GetString());
        var ok = await http.PostAsync("tokenize", new StringContent("{\"prompt\":\"capital of\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);                        // a normal text still tokenizes
    }

    [Fact]
    public async Task Load_10000RequestsAtConcurrency32_NoError_MemoryBounded()
    {
        using var http = new HttpClient { BaseAddress = new Uri(f.Url) };
        var body = "{\"prompt\":\"capital of\",\"max_tokens\":4,\"temperature\":1,\"seed\":1}";
        long before = GC.GetTotalMemory(true);
        int errors = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 10_000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var resp = await http.PostAsync("v1/completions", new StringContent(body, Encoding.UTF8, "application/json"), ct);
            if (!resp.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            else await resp.Content.ReadAsStringAsync(ct);
        });
        long after = GC.GetTotalMemory(true);
        Assert.Equal(0, errors);
        Assert.True(after - before < 64L << 20, $"managed memory grew by {(after - before) >> 20} MiB over 10,000 requests");
    }

    [Fact]
    public void GgufExport_WritesVersion3_Gpt2_WithEveryTensorAndTheVocabulary_AndOtherVersionsAreRefused()
    {
        var r = CliRun.Of("testbed", "export", "--checkpoint", f.CheckpointDir, "--gguf", P("m.gguf"));
        Assert.True(r.Code == 0, r.Err);
        var (version, tensors, meta) = T2.Testbed.IO.GgufExport.ReadHeader(P("m.gguf"));
        Assert.Equal(3u, version);
        Assert.Equal((ulong)(2 + 12 * f.Tiny.Config.Layers + 2), tensors);      // no output.weight: tied to token_embd
        Assert.Equal("gpt2", meta["general.architecture"]);
        Assert.Equal((uint)f.Tiny.Config.Context, meta["gpt2.context_length"]);
        var tokens = (List<object>)meta["tokenizer.ggml.tokens"];
        Assert.Equal(f.Tiny.World.Tokenizer.VocabSize, tokens.Count);
        Assert.Equal("\u2581capital", tokens[f.Tiny.World.Tokenizer.Encode("capital")[0]]);
        // A file of another GGUF version, and a checkpoint of another format version: clear errors, exit 2.
        var bytes = File.ReadAllBytes(P("m.gguf")); bytes[4] = 2; File.WriteAllBytes(P("v2.gguf"), bytes);
        var e = Assert.Throws<T2.Testbed.IO.CheckpointException>(() => T2.Testbed.IO.GgufExport.ReadHeader(P("v2.gguf")));
        Assert.Contains("GGUF version 2", e.Message);
        var copy = Path.Combine(_dir, "ck"); Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(f.CheckpointDir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        var cfg = File.ReadAllText(Path.Combine(copy, "config.json")).Replace("\"version\": 1", "\"version\": 99");
        File.WriteAllText(Path.Combine(copy, "config.json"), cfg);
        var old = CliRun.Of("testbed", "export", "--checkpoint", copy, "--gguf", P("x.gguf"));
        Assert.Equal(2, old.Code);
        Assert.Contains("version", old.Err);
        Assert.False(File.Exists(P("x.gguf")));
    }

    [Theory]
    [InlineData("--port", "70000", "--port")]
    [InlineData("--host", "not-an-ip", "--host")]
    [InlineData("--workers", "0", "--workers")]
    public void Serve_BadFlags_Exit2_BeforeLoading(string flag, string value, string expect)
    {
        var r = CliRun.Of("testbed", "serve", "--checkpoint", f.CheckpointDir, flag, value);
        Assert.Equal(2, r.Code);
        Assert.Contains(expect, r.Err);
    }
}
