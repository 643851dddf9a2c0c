using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using T2.Testbed.Inference;
using T2.Testbed.IO;
using T2.Testbed.Serving;
using T2.Testbed.World;
using T2.Tests.Testbed;

namespace T2.Tests.Eval;

/// <summary>A tiny trained checkpoint, served in-process by <see cref="CompletionServer"/>, with its questions as a tasks file.</summary>
public sealed class EvalFixture : IAsyncLifetime
{
    public TinyModelFixture Tiny { get; } = new();
    public string CheckpointDir => Path.Combine(Tiny.Dir, "run");
    public string Tasks => Path.Combine(Tiny.Dir, "tasks.jsonl");
    public CompletionEngine Engine { get; private set; } = null!;
    public WebApplication App { get; private set; } = null!;
    public string Url { get; private set; } = "";
    public const string Model = "tiny";
    public IReadOnlyList<Question> Questions => Tiny.World.Questions();

    public async Task InitializeAsync()
    {
        Engine = new CompletionEngine(Tiny.Model, Tiny.World.Tokenizer, 2);
        App = CompletionServer.Build(Engine, new ServeOptions { Port = 0, ModelName = Model, Workers = 2 });
        await App.StartAsync();
        Url = CompletionServer.Address(App);
        var r = T2.Tests.Cli.CliRun.Of("testbed", "tasks", "--checkpoint", CheckpointDir, "--out", Tasks);
        Assert.Equal(0, r.Code);
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Tiny.Dispose();
    }

    public QuestionResult[] InProcessLikelihood() => Evaluator.Likelihood(Tiny.Model, Tiny.World.Tokenizer, Questions);

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

/// <summary>
/// A misbehaving proxy in front of a real server: answers 429 or 500 at random, drops connections, can rewrite every
/// seed to one value (what lm-evaluation-harness sends), and can be stopped and started again on the same port.
/// </summary>
public sealed class FaultProxy(string upstream, int port, double p429, double p500, double pDrop, int? fixedSeed = null) : IAsyncDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(upstream) };
    private readonly Random _rng = new(7);
    private WebApplication? _app;
    private long _requests, _faults;
    public string Url => $"http://127.0.0.1:{port}";
    public long Requests => Interlocked.Read(ref _requests);
    public long Faults => Interlocked.Read(ref _faults);
    public List<string> Log { get; } = [];

    public async Task StartAsync()
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls(Url);
        var app = b.Build();
        app.Map("/{**path}", async (HttpContext ctx) =>
        {
            Interlocked.Increment(ref _requests);
            double u; lock (_rng) u = _rng.NextDouble();
            lock (Log) Log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {ctx.Request.ContentLength} u={u:F2}");
            if (u < p429) { Interlocked.Increment(ref _faults); ctx.Response.StatusCode = 429; ctx.Response.Headers.RetryAfter = "0"; await ctx.Response.WriteAsync("{\"error\":{\"message\":\"rate limited\"}}"); return; }
            if (u < p429 + p500) { Interlocked.Increment(ref _faults); ctx.Response.StatusCode = 500; await ctx.Response.WriteAsync("{\"error\":{\"message\":\"boom\"}}"); return; }
            if (u < p429 + p500 + pDrop) { Interlocked.Increment(ref _faults); ctx.Abort(); return; }
            using var reader = new StreamReader(ctx.Request.Body);
            string body = await reader.ReadToEndAsync();
            if (fixedSeed is { } s && body.Contains("\"seed\""))
                body = System.Text.RegularExpressions.Regex.Replace(body, "\"seed\":\\d+", $"\"seed\":{s}");
            using var req = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), ctx.Request.Path.Value!.TrimStart('/'));
            if (body.Length > 0) req.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var resp = await _http.SendAsync(req);
            ctx.Response.StatusCode = (int)resp.StatusCode;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(await resp.Content.ReadAsStringAsync());
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync(new CancellationToken(true));
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync() { await StopAsync(); _http.Dispose(); }
}
