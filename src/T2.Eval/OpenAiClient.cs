using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace T2.Eval;

/// <summary>A request the server refused (4xx other than 408/429): not retried; carries the server's own message.</summary>
public sealed class EndpointRejectedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>The endpoint cannot be reached or kept failing after every retry.</summary>
public sealed class EndpointUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record ClientOptions
{
    /// <summary>Retries after the first attempt, with exponential backoff and jitter (0.5 s, 1 s, 2 s, … capped at 30 s).</summary>
    public int Retries { get; init; } = 8;
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Sent as "Authorization: Bearer …"; read from an environment variable by the caller, never from an argument.</summary>
    public string? ApiKey { get; init; }
}

/// <summary>
/// Plain HttpClient + System.Text.Json for OpenAI-style endpoints (the official OpenAI package cannot send legacy
/// completions with echo). Transient faults — 429, 408, 5xx, timeouts, refused or dropped connections — are retried by a
/// Polly pipeline from Microsoft.Extensions.Http.Resilience (exponential backoff with jitter, Retry-After honoured);
/// every other status is an <see cref="EndpointRejectedException"/> with the server's message. Keys are never logged.
/// </summary>
public sealed class OpenAiClient : IDisposable
{
    private readonly HttpClient _http;
    private long _requests, _retries, _answered;

    public OpenAiClient(string endpoint, ClientOptions options)
    {
        if (!Uri.TryCreate(endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--endpoint '{endpoint}' is not an http(s) URL.");
        // A base ending in /v1 is accepted as users paste it; paths below are relative to the server root.
        if (uri.AbsolutePath.EndsWith("/v1/", StringComparison.Ordinal)) uri = new Uri(uri, "..");
        Endpoint = uri;
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(options.Retries, 0) == 0 ? 1 : options.Retries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.BaseDelay,
            MaxDelay = TimeSpan.FromSeconds(30),
            ShouldRetryAfterHeader = true,
            OnRetry = _ => { Interlocked.Increment(ref _retries); return default; },
        };
        if (options.Retries == 0) retry.ShouldHandle = _ => ValueTask.FromResult(false);
        else
        {
            // Retries are for a transient fault in a run that has been working. An endpoint that has never answered and
            // refuses the connection (or has no address) is not coming up in the next minute: fail at once, saying so.
            var transient = retry.ShouldHandle;
            retry.ShouldHandle = a => Interlocked.Read(ref _answered) == 0 && NotListening(a.Outcome.Exception)
                ? ValueTask.FromResult(false) : transient(a);
        }
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(retry)
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout })
            .Build();
        var handler = new ResilienceHandler(pipeline)
        {
            InnerHandler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256,
                // A connection that takes longer than this is a fault to retry, not an attempt to wait out for minutes.
                ConnectTimeout = TimeSpan.FromSeconds(Math.Min(5, options.AttemptTimeout.TotalSeconds)),
            },
        };
        _http = new HttpClient(handler) { BaseAddress = uri, Timeout = Timeout.InfiniteTimeSpan };
        if (options.ApiKey is { Length: > 0 } key) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public Uri Endpoint { get; }
    public long Requests => Interlocked.Read(ref _requests);
    public long RetriesSoFar => Interlocked.Read(ref _retries);

    public Task<JsonDocument> PostAsync(string path, Action<Utf8JsonWriter> body, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) { w.WriteStartObject(); body(w); w.WriteEndObject(); }
        return SendAsync(HttpMethod.Post, path, ms.ToArray(), ct);
    }

    public Task<JsonDocument> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken ct)
    {
        Interlocked.Increment(ref _requests);
        using var req = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null) req.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        HttpResponseMessage resp;
        try { resp = await _http.SendAsync(req, ct).ConfigureAwait(false); }
        catch (HttpRequestException e) when (Interlocked.Read(ref _answered) == 0 && NotListening(e))
        {
            throw new EndpointUnavailableException($"cannot reach {Endpoint}{path.TrimStart('/')}: {Root(e)} " +
                "(is the server running on that address? nothing has answered there, so t2 did not retry).", e);
        }
        catch (HttpRequestException e) { throw new EndpointUnavailableException($"cannot reach {Endpoint}{path.TrimStart('/')}: {Root(e)}", e); }
        catch (Polly.Timeout.TimeoutRejectedException e) { throw new EndpointUnavailableException($"{Endpoint}{path.TrimStart('/')} timed out on every attempt.", e); }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { throw new EndpointUnavailableException($"{Endpoint}{path.TrimStart('/')} timed out.", e); }
        Interlocked.Exchange(ref _answered, 1);
        using (resp)
        {
            var text = await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!resp.IsSuccessStatusCode)
            {
                string msg = ErrorMessage(text) ?? (text.Length > 200 ? text[..200] + "…" : text);
                int status = (int)resp.StatusCode;
                if (status is 408 or 429 || status >= 500)
                    throw new EndpointUnavailableException($"{Endpoint}{path.TrimStart('/')} answered {status} {resp.StatusCode} after every retry: {msg}");
                throw new EndpointRejectedException(status, $"{Endpoint}{path.TrimStart('/')} answered {status} {resp.StatusCode}: {msg}");
            }
            try { return JsonDocument.Parse(text); }
            catch (JsonException) { throw new EndpointRejectedException((int)resp.StatusCode, $"{Endpoint}{path.TrimStart('/')} did not answer JSON (is this an OpenAI-compatible server?)."); }
        }
    }

    /// <summary>Nothing listens there: the connection was refused, the name has no address, or connecting timed out.</summary>
    private static bool NotListening(Exception? e)
    {
        if (e is not HttpRequestException) return false;
        for (var x = e; x is not null; x = x.InnerException)
            if (x is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NoData
                    or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut } or TimeoutException)
                return true;
        return false;
    }

    private static string Root(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }

    /// <summary>OpenAI's {"error": {"message"}} (also llama.cpp's and vLLM's), or a top-level "message"/"detail".</summary>
    public static string? ErrorMessage(string body)
    {
        try
        {
            using var d = JsonDocument.Parse(body);
            var r = d.RootElement;
            if (r.ValueKind != JsonValueKind.Object) return null;
            if (r.TryGetProperty("error", out var e))
            {
                if (e.ValueKind == JsonValueKind.String) return e.GetString();
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString();
            }
            foreach (var k in new[] { "message", "detail" })
                if (r.TryGetProperty(k, out var m) && m.ValueKind == JsonValueKind.String) return m.GetString();
        }
        catch (JsonException) { }
        return null;
    }

    public void Dispose() => _http.Dispose();
}
