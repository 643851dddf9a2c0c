using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace T2.Cli.Data;

/// <summary>
/// What both kinds of fit file share: schema 2, a <c>kind</c> ("t2" or "loss"), snake-case JSON, atomic writes, and a
/// reader that turns every problem into one located line (missing file, a directory, not JSON, wrong schema or kind).
/// </summary>
public static class FitFileIo
{
    public const int Schema = 2;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // One generic converter per enum the documents hold (the non-generic factory needs run-time code generation,
        // which a NativeAOT build lacks); a test walks every document type and checks each enum it meets is listed here.
        Converters =
        {
            Snake<T2.Core.Fitting.LossObjective>(), Snake<T2.Core.Fitting.Stage1Method>(),
            Snake<T2.Core.Fitting.CvScheme>(), Snake<T2.Core.Evidence.CountTarget>(),
            Snake<T2.Core.Optimization.StopReason>(), Snake<T2.Core.Health.Severity>(), Snake<T2.Core.Laws.WallForm>(),
        },
        TypeInfoResolver = CliJson.Resolver,
    };

    private static JsonStringEnumConverter<T> Snake<T>() where T : struct, Enum => new(JsonNamingPolicy.SnakeCaseLower);

    public static System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> Info<T>() => T2.IO.JsonTypes.Of<T>(Json);

    public static string Sha256(string path) { using var s = File.OpenRead(path); return Convert.ToHexStringLower(SHA256.HashData(s)); }

    public static void Write<T>(string path, T doc) =>
        T2.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(doc, Info<T>()));

    /// <summary>The file's kind ("t2" or "loss") after checking that it is a readable fit file of this schema.</summary>
    public static string Kind(string path)
    {
        var text = ReadText(path, "fit file");
        try
        {
            using var raw = JsonDocument.Parse(text);
            var root = raw.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("schema", out var s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out int schema))
                throw new InputException(path, 0, "schema", "not a t2 fit file (no numeric \"schema\" field).");
            if (schema != Schema)
                throw new InputException(path, 0, "schema", $"fit file schema {schema}; this t2 reads schema {Schema}. Refit with this version.");
            if (!root.TryGetProperty("kind", out var k) || k.ValueKind != JsonValueKind.String || k.GetString() is not ("t2" or "loss"))
                throw new InputException(path, 0, "kind", "a fit file needs \"kind\": \"t2\" or \"loss\".");
            return k.GetString()!;
        }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? -1) + 1, null, $"not a JSON fit file ({FirstSentence(e.Message)})."); }
    }

    public static T Read<T>(string path) where T : class
    {
        var text = ReadText(path, "fit file");
        try
        {
            return JsonSerializer.Deserialize(text, Info<T>()) ?? throw new InputException(path, 0, null, "empty fit file.");
        }
        catch (JsonException e)
        {
            var (field, why) = T2.IO.JsonErrors.Describe(e);
            throw new InputException(path, (int)(e.LineNumber ?? -1) + 1, field.Length > 0 ? field : null, $"malformed fit file ({why}).");
        }
    }

    /// <summary>Reads a whole input file, or says precisely why it cannot (missing, a directory, a dangling link, permission).</summary>
    public static string ReadText(string path, string what)
    {
        CheckReadable(path, what);
        try { return T2.IO.StrictText.ReadAll(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not T2.IO.NotUtf8Exception)
        { throw new InputException(path, 0, null, $"cannot read the {what} ({e.Message})."); }
    }

    public static void CheckReadable(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InputException("(empty path)", 0, null, $"no {what} named.");
        if (Directory.Exists(path)) throw new InputException(path, 0, null, $"is a directory, not a {what}.");
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
        {
            // .NET reports a dangling link as an existing file; follow it to say what is missing.
            FileSystemInfo? final = null;
            try { final = info.ResolveLinkTarget(returnFinalTarget: true); } catch (IOException) { }
            if (final is null || !final.Exists) throw new InputException(path, 0, null, $"is a symbolic link to '{target}', which does not exist.");
            if (final is DirectoryInfo) throw new InputException(path, 0, null, $"links to a directory, not a {what}.");
        }
        else if (!info.Exists) throw new InputException(path, 0, null, $"{what} not found.");
    }

    /// <summary>A library message cut to its first sentence and line (never several lines of echoed content).</summary>
    public static string FirstSentence(string message)
    {
        var line = message.Split('\n')[0].Trim();
        int dot = line.IndexOf(". ", StringComparison.Ordinal);
        line = dot > 0 ? line[..dot] : line.TrimEnd('.');
        return line.Length > 160 ? line[..160] + "…" : line;
    }
}
