using System.Text.Json;

namespace T2.Eval;

/// <summary>
/// A server's answer that no OpenAI-compatible server would give (a JSON array for an object, a number for a text, a
/// positive log-probability): names the endpoint and the field. Not retried and not a protocol mismatch — the server is
/// wrong, so the run stops with one line.
/// </summary>
public sealed class MalformedResponseException(string endpoint, string field, string problem)
    : Exception($"{endpoint} answered a malformed response: field '{field}' {problem}")
{
    public string Field { get; } = field;
}

/// <summary>One field of a server's JSON answer, with its path (choices[0].logprobs.text_offset[3]) for messages.</summary>
public readonly record struct Field(JsonElement Value, string Path, string Endpoint)
{
    public static Field Root(JsonDocument doc, string endpoint) => new(doc.RootElement, "(body)", endpoint);

    private string Sub(string name) => Path == "(body)" ? name : $"{Path}.{name}";

    public MalformedResponseException Bad(string problem) => new(Endpoint, Path, problem);

    private static string Show(JsonElement e)
    {
        string t = e.ValueKind == JsonValueKind.Undefined ? "nothing" : e.GetRawText();
        return t.Length > 40 ? t[..40] + "…" : t;
    }

    public Field Object() => Value.ValueKind == JsonValueKind.Object ? this : throw Bad($"must be a JSON object; got {Show(Value)}.");

    /// <summary>A property that may be absent (or null); present, this must be an object.</summary>
    public bool TryGet(string name, out Field f)
    {
        Object();
        bool ok = Value.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;
        f = new Field(ok ? v : default, Sub(name), Endpoint);
        return ok;
    }

    public Field Get(string name) => TryGet(name, out var f) ? f : throw new MalformedResponseException(Endpoint, Sub(name), "is missing.");

    public bool IsArray => Value.ValueKind == JsonValueKind.Array;
    public bool IsObject => Value.ValueKind == JsonValueKind.Object;
    public bool IsNumber => Value.ValueKind == JsonValueKind.Number;

    public Field Array() => IsArray ? this : throw Bad($"must be a list; got {Show(Value)}.");
    public int Length => Array().Value.GetArrayLength();
    public Field this[int i] => new(Array().Value[i], $"{Path}[{i}]", Endpoint);
    public IEnumerable<Field> Items() { var self = Array(); return Enumerable.Range(0, self.Value.GetArrayLength()).Select(i => self[i]); }

    public string String() => Value.ValueKind == JsonValueKind.String ? Value.GetString()! : throw Bad($"must be a string; got {Show(Value)}.");

    public double Number() => Value.ValueKind == JsonValueKind.Number && Value.TryGetDouble(out double d) && double.IsFinite(d)
        ? d : throw Bad($"must be a finite number; got {Show(Value)}.");

    public int Int() => Value.ValueKind == JsonValueKind.Number && Value.TryGetInt32(out int i) ? i : throw Bad($"must be a whole number; got {Show(Value)}.");

    /// <summary>A log-probability: finite and ≤ 0 (a float32 rounding of up to 1e-5 above 0 is read as 0).</summary>
    public double LogProb()
    {
        double v = Number();
        return v <= 1e-5 ? Math.Min(v, 0) : throw Bad($"is a log-probability of {v}, above 0 (a probability above 1).");
    }
}
