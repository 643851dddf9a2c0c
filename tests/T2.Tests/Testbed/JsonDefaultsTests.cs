using System.Text.Json;
using T2.Cli.Data;
using T2.Core.Fitting;
using T2.Core.Optimization;
using T2.Testbed.Ladder;
using T2.Testbed.Training;
using T2.Testbed.World;

namespace T2.Tests.Testbed;

/// <summary>
/// A field missing from a spec, checkpoint or fit file takes the record's declared default, as the reflection serializer
/// gives. The source generator assigns every init-only property in one object initializer, so a missing one became
/// default(T) (dotnet/runtime#84484): a spec written before world.sums existed read sums = 0 and was refused, and an
/// older checkpoint's world would have had no arithmetic. These records use settable properties for that reason.
/// </summary>
public class JsonDefaultsTests
{
    private static void SameAsNew<T>(JsonSerializerOptions o) where T : new()
    {
        var info = T2.IO.JsonTypes.Of<T>(o);
        Assert.Equal(JsonSerializer.Serialize(new T(), info), JsonSerializer.Serialize(JsonSerializer.Deserialize("{}", info)!, info));
    }

    [Fact]
    public void MissingFields_TakeTheDeclaredDefaults_InSpecsCheckpointsAndFitFiles()
    {
        SameAsNew<WorldOptions>(LadderSpec.Json);
        SameAsNew<LadderTrain>(LadderSpec.Json);
        SameAsNew<IsoFlopRule>(LadderSpec.Json);
        SameAsNew<LadderEval>(LadderSpec.Json);
        SameAsNew<LadderFinetune>(LadderSpec.Json);
        SameAsNew<TrainOptions>(T2.Testbed.IO.Checkpoint.Json);
        SameAsNew<T2FitOptions>(FitFileIo.Json);
        SameAsNew<ChinchillaFitOptions>(FitFileIo.Json);
        SameAsNew<Approach1FitOptions>(FitFileIo.Json);
        SameAsNew<Approach2FitOptions>(FitFileIo.Json);
        SameAsNew<LbfgsOptions>(FitFileIo.Json);
    }

    [Fact]
    public void ASpecWithoutTheNewerWorldDials_ReadsAsTheWorldItWasWrittenFor()
    {
        // The quick preset's spec with world.sums and world.addend_digits removed, as a spec written before them.
        var root = System.Text.Json.Nodes.JsonNode.Parse(LadderPresets.Quick.ToJson())!;
        root["world"]!.AsObject().Remove("sums");
        root["world"]!.AsObject().Remove("addend_digits");
        var spec = LadderSpec.Parse(root.ToJsonString(), "old.json");
        Assert.Equal(1, spec.World.Sums);
        Assert.Equal(0, spec.World.AddendDigits);
        Assert.Equal(LadderPresets.Quick.World with { Sums = 1 }, spec.World);
    }
}
