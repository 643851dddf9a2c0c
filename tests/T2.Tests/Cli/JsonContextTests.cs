using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using T2.Cli.Commands;
using T2.Cli.Data;
using T2.Core.Fitting;

namespace T2.Tests.Cli;

/// <summary>
/// t2 serialises through source-generated contexts (no reflection: start-up, NativeAOT). These tests check that the
/// generated metadata writes exactly what the reflection serializer wrote, and that every enum is a snake-case string.
/// </summary>
public class JsonContextTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-json-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly Type[] Roots =
    [
        typeof(FitFile.Doc), typeof(LossFitFile.Doc), typeof(DataWallFile.Doc), typeof(FitT2Command.Settings),
        typeof(FitLossCommand.Settings), typeof(ChinchillaFitOptions), typeof(T2FitOptions),
    ];

    /// <summary>The same options with the reflection resolver in place of the contexts (the test host allows it).</summary>
    public static JsonSerializerOptions Reflection() => new(FitFileIo.Json) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    [Fact]
    public void EveryEnumInTheDocuments_IsWrittenAsASnakeCaseString()
    {
        var seen = new HashSet<Type>();
        var enums = new List<Type>();
        void Walk(Type t)
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            if (!seen.Add(t)) return;
            if (t.IsEnum) { enums.Add(t); return; }
            var info = FitFileIo.Json.GetTypeInfo(t); // throws if a context lacks a reachable type
            if (info.ElementType is { } e) Walk(e);
            if (info.KeyType is { } k) Walk(k);
            foreach (var p in info.Properties) Walk(p.PropertyType);
        }
        foreach (var r in Roots) Walk(r);
        Assert.Contains(typeof(LossObjective), enums); // the walk reaches the options' enums
        foreach (var t in enums)
            foreach (var v in Enum.GetValues(t))
            {
                string json = JsonSerializer.Serialize(v, FitFileIo.Json.GetTypeInfo(t));
                Assert.True(json.StartsWith('"'), $"{t.Name}.{v} is written as {json}, not a string");
                Assert.Equal(JsonSerializer.Serialize(v, t, Reflection()), json);
            }
    }

    [Fact]
    public void LossFitFile_WrittenFromGeneratedMetadata_IsWhatReflectionWrites()
    {
        string path = Path.Combine(_dir, "loss.json");
        var r = CliRun.Of("fit", "loss", "--data", RepoData.PathOf("epoch_chinchilla/chinchilla_fig4_points.csv"),
            "--where", "used_in_epoch_fit=1", "--grid", "random:200", "--bootstrap", "10", "--cv", "sizes", "--out", path);
        Assert.Equal(0, r.Code);
        string text = File.ReadAllText(path);
        var doc = FitFileIo.Read<LossFitFile.Doc>(path);
        Assert.Equal(JsonSerializer.Serialize(doc, Reflection()), text);
        Assert.Contains("\"objective\": \"huber_log\"", text); // the solver options' enum, through its converter
    }
}
