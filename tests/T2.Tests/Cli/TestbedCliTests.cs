using System.Text.Json;
using T2.Testbed.IO;

namespace T2.Tests.Cli;

public class TestbedCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-tb-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string P(string n) => Path.Combine(_dir, n);

    private string TrainTiny(string name)
    {
        var r = CliRun.Of("testbed", "train", "--d-model", "16", "--layers", "1", "--heads", "2", "--ctx", "48", "--batch", "4", "--tokens", "4000", "--out", P(name));
        Assert.Equal(0, r.Code);
        return P(name);
    }

    [Fact]
    public void Gen_WritesQuestionsCorpusAndVocabulary()
    {
        Assert.Equal(0, CliRun.Of("testbed", "gen", "--out", P("gen"), "--seed", "3", "--docs", "50").Code);
        var lines = File.ReadAllLines(P("gen/questions.jsonl"));
        Assert.Equal(400, lines.Length);
        using var q = JsonDocument.Parse(lines[0]);
        foreach (var f in new[] { "id", "family", "prompt", "answer" }) Assert.True(q.RootElement.TryGetProperty(f, out _), f);
        Assert.Equal(50, File.ReadAllLines(P("gen/corpus_sample.txt")).Length);
    }

    [Fact]
    public void TrainEval_ProducesEvidenceThatPassKAndFitRead()
    {
        var ck = TrainTiny("tiny");
        Assert.Equal(0, CliRun.Of("testbed", "eval", "--checkpoint", ck, "--mode", "likelihood", "--out", P("lik.csv")).Code);
        Assert.Equal(0, CliRun.Of("testbed", "eval", "--checkpoint", ck, "--mode", "sample", "--n", "4", "--out", P("s.csv")).Code);
        var r = CliRun.Of("passk", "--data", P("lik.csv"), "--group", "task", "--k", "1,8", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(8, doc.RootElement.GetArrayLength()); // 4 families × 2 k
        Assert.Equal(0, CliRun.Of("passk", "--data", P("s.csv"), "--group", "task", "--k", "1,4").Code);
        Assert.Equal(2, CliRun.Of("passk", "--data", P("s.csv"), "--k", "8").Code); // k beyond the 4 samples
        var header = File.ReadAllLines(P("lik.csv"))[0];
        Assert.Equal("checkpoint,N_params,N_params_non_embedding,D_tokens,task,question,nll", header);
    }

    [Fact]
    public void Train_ResumesAFinishedRun_WithoutRetraining_AndRejectsADifferentRunInTheSameDirectory()
    {
        var ck = TrainTiny("again");
        var before = File.GetLastWriteTimeUtc(Path.Combine(ck, "model.safetensors"));
        Assert.Equal(0, CliRun.Of("testbed", "train", "--d-model", "16", "--layers", "1", "--heads", "2", "--ctx", "48", "--batch", "4", "--tokens", "4000", "--out", ck).Code);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(ck, "model.safetensors")));
        var r = CliRun.Of("testbed", "train", "--d-model", "32", "--layers", "1", "--heads", "2", "--ctx", "48", "--batch", "4", "--tokens", "4000", "--out", ck);
        Assert.Equal(2, r.Code);
        Assert.Contains("different run", r.Err);
    }

    [Theory]
    [InlineData("testbed", "train", "--d-model", "30", "--heads", "4", "--out", "x")]   // heads do not divide d-model
    [InlineData("testbed", "train", "--bogus", "1", "--out", "x")]                       // unknown flag
    [InlineData("testbed", "bench", "--gemm", "10")]                                     // not a multiple of 16
    [InlineData("testbed", "bench", "--ladder", "quick", "--runs", "some")]              // not a sample the bench knows
    [InlineData("testbed", "bench", "--ladder", "no-such-spec.json")]                    // neither a preset nor a file
    public void BadUsage_ExitsTwo(params string[] args)
    {
        var r = CliRun.Of(args);
        Assert.Equal(2, r.Code);
        Assert.False(string.IsNullOrWhiteSpace(r.Err));
    }

    [Fact]
    public void Eval_RejectsAnotherVersion_AndACorruptSafetensorsFile()
    {
        var ck = TrainTiny("bad");
        var cfg = Path.Combine(ck, "config.json");
        var original = File.ReadAllText(cfg);
        File.WriteAllText(cfg, original.Replace("\"version\": 1", "\"version\": 7"));
        var r = CliRun.Of("testbed", "eval", "--checkpoint", ck, "--out", P("e.csv"));
        Assert.Equal(2, r.Code);
        Assert.Contains("version 7", r.Err);
        File.WriteAllText(cfg, original);
        var st = Path.Combine(ck, "model.safetensors");
        var bytes = File.ReadAllBytes(st);
        File.WriteAllBytes(st, bytes[..(bytes.Length / 2)]);
        r = CliRun.Of("testbed", "eval", "--checkpoint", ck, "--out", P("e.csv"));
        Assert.Equal(2, r.Code);
        Assert.Contains("model.safetensors", r.Err);
        Assert.False(File.Exists(P("e.csv")));
    }
}
