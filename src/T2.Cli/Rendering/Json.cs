using System.Text;
using System.Text.Json;

namespace T2.Cli.Rendering;

/// <summary>Small helpers over Utf8JsonWriter: doubles in round-trip precision, NaN/∞ written as null.</summary>
public static class Json
{
    public static string Write(Action<Utf8JsonWriter> body, bool indented = true)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            body(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static void Number(this Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    public static void Number(this Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v); else w.WriteNullValue();
    }
}
