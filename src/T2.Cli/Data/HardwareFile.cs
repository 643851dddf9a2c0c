using System.Text.Json;
using T2.Core.Planning;

namespace T2.Cli.Data;

/// <summary>
/// A hardware file (JSON): one device's published figures and the efficiencies a deployment achieves, for
/// <c>plan --hardware</c>. Fields: name, source, peak_flops, memory_bandwidth (bytes/s), memory_bytes, usd_per_hour,
/// and optionally mfu_train, mfu_prefill, mfu_decode, bandwidth_utilisation, bytes_per_parameter, kv_bytes_per_element,
/// max_batch, note. Unknown fields are errors (a misspelt efficiency would otherwise silently take its default).
/// </summary>
public static class HardwareFile
{
    private static readonly string[] Numbers = ["peak_flops", "memory_bandwidth", "memory_bytes", "usd_per_hour", "mfu_train", "mfu_prefill",
        "mfu_decode", "bandwidth_utilisation", "bytes_per_parameter", "kv_bytes_per_element", "max_batch"];
    private static readonly string[] Required = ["name", "peak_flops", "memory_bandwidth", "memory_bytes", "usd_per_hour"];

    public static Hardware Read(string path)
    {
        var text = FitFileIo.ReadText(path, "hardware file");
        JsonElement root;
        try { using var d = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }); root = d.RootElement.Clone(); }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? 0) + 1, null, $"not JSON ({FitFileIo.FirstSentence(e.Message)})."); }
        if (root.ValueKind != JsonValueKind.Object) throw new InputException(path, 1, null, "a hardware file is one JSON object.");
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        string? name = null, source = null;
        foreach (var p in root.EnumerateObject())
        {
            if (p.Name is "name" or "source" or "note")
            {
                if (p.Value.ValueKind != JsonValueKind.String) throw new InputException(path, 0, p.Name, "must be a string.");
                if (p.Name == "name") name = p.Value.GetString(); else if (p.Name == "source") source = p.Value.GetString();
                continue;
            }
            if (!Numbers.Contains(p.Name)) throw new InputException(path, 0, p.Name, $"unknown field (fields: name, source, note, {string.Join(", ", Numbers)}).");
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var v)) throw new InputException(path, 0, p.Name, "must be a number.");
            values[p.Name] = v;
        }
        foreach (var r in Required)
            if (r == "name" ? string.IsNullOrWhiteSpace(name) : !values.ContainsKey(r)) throw new InputException(path, 0, r, "missing (required).");
        var defaults = new Hardware { Name = "", PeakFlops = 1, MemoryBandwidth = 1, MemoryBytes = 1, UsdPerHour = 1 };
        double V(string n, double d) => values.TryGetValue(n, out var x) ? x : d;
        var h = new Hardware
        {
            Name = name!, Source = source, PeakFlops = values["peak_flops"], MemoryBandwidth = values["memory_bandwidth"], MemoryBytes = values["memory_bytes"],
            UsdPerHour = values["usd_per_hour"], MfuTrain = V("mfu_train", defaults.MfuTrain), MfuPrefill = V("mfu_prefill", defaults.MfuPrefill),
            MfuDecode = V("mfu_decode", defaults.MfuDecode), BandwidthUtilisation = V("bandwidth_utilisation", defaults.BandwidthUtilisation),
            BytesPerParameter = V("bytes_per_parameter", defaults.BytesPerParameter), KvBytesPerElement = V("kv_bytes_per_element", defaults.KvBytesPerElement),
            MaxBatch = V("max_batch", defaults.MaxBatch),
        };
        try { h.Validate(); }
        catch (ArgumentException e) { throw new InputException(path, 0, e.Message.Split(' ')[0], e.Message); }
        return h;
    }
}
