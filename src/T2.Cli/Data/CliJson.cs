using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using T2.Cli.Commands;
using T2.Core.Fitting;

namespace T2.Cli.Data;

/// <summary>
/// Compile-time JSON metadata for every document the CLI serialises with <see cref="FitFileIo.Json"/>: the fit files
/// (T², loss law, data wall) and the settings and options records they embed. Source generation instead of reflection: a
/// shorter start-up, and a NativeAOT-published t2 (docs/speed.md) reads and writes the same files. Naming, enums as
/// snake-case strings and null-skipping come from <see cref="FitFileIo.Json"/>, so the files are unchanged. One context
/// per document, because the documents' nested records share names (Doc, DataInfo, TaskDoc).
/// </summary>
internal static class CliJson
{
    public static readonly IJsonTypeInfoResolver Resolver =
        JsonTypeInfoResolver.Combine(T2FitJson.Default, LossFitJson.Default, DataWallJson.Default);
}

[JsonSerializable(typeof(FitFile.Doc))]
[JsonSerializable(typeof(FitT2Command.Settings))]
[JsonSerializable(typeof(T2FitOptions))]
internal sealed partial class T2FitJson : JsonSerializerContext;

[JsonSerializable(typeof(LossFitFile.Doc))]
[JsonSerializable(typeof(FitLossCommand.Settings))]
[JsonSerializable(typeof(ChinchillaFitOptions))]
internal sealed partial class LossFitJson : JsonSerializerContext;

[JsonSerializable(typeof(DataWallFile.Doc))]
internal sealed partial class DataWallJson : JsonSerializerContext;
