using System.Text.Json.Serialization;
using T2.Testbed.Ladder;
using T2.Testbed.World;

namespace T2.Testbed.IO;

/// <summary>
/// Compile-time JSON metadata for every type the testbed writes or reads (checkpoint configs, ladder specs, run records).
/// Source generation instead of reflection: start-up is shorter and a NativeAOT-published t2 reads and writes the same
/// files. The naming policy and number handling come from the options that use this resolver (Checkpoint.Json,
/// LadderSpec.Json), so the files are byte-for-byte what the reflection serializer wrote.
/// </summary>
[JsonSerializable(typeof(CheckpointInfo))]
[JsonSerializable(typeof(LadderSpec))]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(PostRecord))]
[JsonSerializable(typeof(WorldOptions))]
internal sealed partial class TestbedJson : JsonSerializerContext;
