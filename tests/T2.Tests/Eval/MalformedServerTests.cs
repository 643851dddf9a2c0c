using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using T2.Testbed.Serving;
using T2.Tests.Cli;

namespace T2.Tests.Eval;

/// <summary>
/// `t2 eval` against servers that answer what no OpenAI-compatible server would: every case is exit 2 with one line naming
/// the endpoint and the field, and no --out file (nothing is created before the first result). A refused connection fails
/// at once; a server that only fails gives up after the retry budget.
/// </summary>
public sealed class MalformedServerTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-malformed-").FullName;
    private WebApplication _app = null!;
    private string _url = "";
    private volatile string _body = "{}";
    private volatile int _status = 200;
    private volatile string _type = "application/json";
    private int _hits;

    private string P(string name) => Path.Combine(_dir, name);
    public void Dispose() => Directory.Delete(_dir, true);

    public async Task InitializeAsync()
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        _app = b.Build();
        _app.Map("/{**path}", async (HttpContext ctx) =>
        {
            Interlocked.Increment(ref _hits);
            ctx.Response.StatusCode = _status;
            ctx.Response.ContentType = _type;
            await ctx.Response.WriteAsync(_body);
        });
        await _app.StartAsync();
        _url = CompletionServer.Address(_app);
        File.WriteAllText(P("tasks.jsonl"), "{\"task\":\"t\",\"id\":\"1\",\"prompt\":\"ab\",\"answer\":\"cd\"}\n");
    }

    public async Task DisposeAsync() { await _app.StopAsync(); await _app.DisposeAsync(); }

    private CliRun Eval(string url, string output, params string[] extra) => CliRun.Of(["eval", "--endpoint", url, "--model", "m", "--tasks", P("tasks.jsonl"),
        "--checkpoint", "c", "--params", "1e9", "--tokens", "1e10", "--out", output, .. extra]);

    // An echo answer for prompt "ab" + answer "cd" with the given logprobs and offsets (tokens "a", "b", "c", "d" by default).
    private static string Echo(string logprobs, string offsets, string text = "\"abcd\"") =>
        $"{{\"choices\":[{{\"index\":0,\"text\":{text},\"logprobs\":{{\"tokens\":[\"a\",\"b\",\"c\",\"d\"],\"token_logprobs\":{logprobs},\"text_offset\":{offsets}}}}}]}}";

    public static TheoryData<string, string, string, string[]> Cases() => new()
    {
        // what, body, mode, expected fragments (the endpoint is always expected)
        { "array-body", "[1,2,3]", "likelihood", ["(body)", "JSON object"] },
        { "array-body-sample", "[1,2,3]", "sample", ["(body)", "JSON object"] },
        { "text-number", Echo("[null,-1,-1,-1]", "[0,1,2,3]", "17"), "likelihood", ["choices[0].text", "string"] },
        { "text-number-sample", "{\"choices\":[{\"index\":0,\"text\":17}]}", "sample", ["choices[0].text", "string"] },
        { "positive-logprob", Echo("[null,-1,5,-1]", "[0,1,2,3]"), "likelihood", ["token_logprobs[2]", "above 0"] },
        { "offsets-all-zero", Echo("[null,-1,-1,-1]", "[0,0,0,0]"), "likelihood", ["text_offset[1]", "do not locate"] },
        { "offsets-decreasing", Echo("[null,-1,-1,-1]", "[0,2,1,3]"), "likelihood", ["text_offset[2]", "before"] },
        { "offsets-text", Echo("[null,-1,-1,-1]", "[0,\"1\",2,3]"), "likelihood", ["text_offset[1]", "whole number"] },
        { "choices-object", "{\"choices\":{\"text\":\"x\"}}", "sample", ["choices", "must be a list"] },
        { "choices-missing", "{\"id\":\"x\"}", "likelihood", ["choices", "missing"] },
        { "wrong-n", "{\"choices\":[{\"index\":0,\"text\":\"x\"}]}", "sample-2", ["choices", "asked for n = 2"] },
        { "sample-logprob-positive", "{\"choices\":[{\"index\":0,\"text\":\"x\",\"logprobs\":{\"token_logprobs\":[3.0]}}]}", "sample", ["token_logprobs[0]", "above 0"] },
        { "index-text", "{\"choices\":[{\"index\":\"zero\",\"text\":\"x\"}]}", "sample", ["choices[0].index", "whole number"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MalformedAnswer_IsOneLine_NamingEndpointAndField_AndWritesNothing(string what, string body, string mode, string[] expected)
    {
        _body = body; _status = 200; _type = "application/json";
        string output = P(what + ".jsonl");
        string[] extra = mode switch
        {
            "sample" => ["--mode", "sample", "--n", "1"],
            "sample-2" => ["--mode", "sample", "--n", "2", "--max-n", "2"],
            _ => ["--protocol", "echo"],
        };
        var r = Eval(_url, output, extra);
        BadInputTests.AssertOneLine(r, what, [_url.TrimEnd('/'), .. expected]);
        Assert.False(File.Exists(output), $"{what}: {output} was created");
    }

    [Theory]
    [InlineData("html", 200, "text/html", "<html><body>hello</body></html>", "JSON")]
    [InlineData("malformed-json", 200, "application/json", "{\"choices\": [", "JSON")]
    [InlineData("always-500", 500, "application/json", "{\"error\":{\"message\":\"boom\"}}", "500")]
    [InlineData("404", 404, "application/json", "{\"error\":{\"message\":\"no route\"}}", "404")]
    public void ErrorAnswers_AreOneLine_AndWriteNothing(string what, int status, string type, string body, string expected)
    {
        _body = body; _status = status; _type = type;
        string output = P(what + ".jsonl");
        var r = Eval(_url, output, "--retries", "1");
        BadInputTests.AssertOneLine(r, what, expected, "nothing written");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ARefusedConnection_FailsAtOnce_WithoutRetrying_AndAFailingServer_AfterTheRetryBudget()
    {
        int port = EvalFixture.FreePort();
        string output = P("refused.jsonl");
        var clock = Stopwatch.StartNew();
        var r = Eval($"http://127.0.0.1:{port}", output);                           // the default --retries 8
        clock.Stop();
        BadInputTests.AssertOneLine(r, "refused", "cannot reach", "did not retry", "nothing written");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.False(File.Exists(output));
        // A server that answers, but only with 500s: retried (--retries 2 → 3 attempts), then one line.
        _body = "{\"error\":{\"message\":\"boom\"}}"; _status = 500; _type = "application/json";
        int before = Volatile.Read(ref _hits);
        var failing = Eval(_url, P("failing.jsonl"), "--retries", "2");
        BadInputTests.AssertOneLine(failing, "always 500", "500", "after every retry");
        Assert.Equal(3, Volatile.Read(ref _hits) - before);
        // --help states the default budget.
        var help = CliRun.Of("eval", "--help");
        Assert.Contains("about a minute", help.Out + help.Console);
    }
}
