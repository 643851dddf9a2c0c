using System.Text.Json;
using Spectre.Console.Testing;
using T2.Cli;

namespace T2.Tests.Cli;

public sealed class CliRun
{
    public int Code { get; init; }
    public string Out { get; init; } = "";
    public string Err { get; init; } = "";
    public string Console { get; init; } = "";

    public static CliRun Of(params string[] args)
    {
        var console = new TestConsole(); console.Profile.Width = 160;
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, new CliContext(console, o, e));
        return new CliRun { Code = code, Out = o.ToString(), Err = e.ToString(), Console = console.Output };
    }
}

public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text) { var p = Path.Combine(_dir, name); File.WriteAllText(p, text); return p; }

    private static string Epoch => RepoData.PathOf("epoch_chinchilla/chinchilla_fig4_points.csv");

    [Fact]
    public void FitLoss_Json_HasTheDocumentedTopLevelFields_AndEpochValues()
    {
        var r = CliRun.Of("fit", "loss", "--data", Epoch, "--where", "used_in_epoch_fit=1", "--compute", "1e23", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        foreach (var f in new[] { "E", "A", "B", "alpha", "beta", "objective" }) Assert.True(root.TryGetProperty(f, out _), f);
        Assert.InRange(root.GetProperty("A").GetDouble(), 475.45, 480.23);
        Assert.Equal(240, root.GetProperty("data").GetProperty("points").GetInt32());
        var opt = root.GetProperty("compute_optimal")[0];
        Assert.Equal(1e23, 6 * opt.GetProperty("N_opt").GetDouble() * opt.GetProperty("D_opt").GetDouble(), 1e23 * 1e-9);
    }

    [Fact]
    public void FitLoss_Table_ShowsParametersAndDiagnostics()
    {
        var r = CliRun.Of("fit", "loss", "--data", Epoch, "--where", "used_in_epoch_fit=1");
        Assert.Equal(0, r.Code);
        Assert.Contains("starts tried / converged / non-finite", r.Console);
        Assert.Contains("health", r.Console);
        Assert.Contains("4500 /", r.Console);
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void FitLoss_DerivesD_FromFlops_AndReadsJsonl()
    {
        var lines = RepoData.Rows("epoch_chinchilla/chinchilla_fig4_points.csv").Where(x => x["used_in_epoch_fit"] == "1")
            .Select(x => $"{{\"params\": {x["N_params"]}, \"C_flops\": {x["C_flops"]}, \"loss\": {x["loss"]}}}");
        var p = Write("runs.jsonl", string.Join("\n", lines));
        var r = CliRun.Of("fit", "loss", "--data", p, "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.InRange(doc.RootElement.GetProperty("alpha").GetDouble(), 0.3468, 0.3478);
        Assert.Equal("C_flops/6N", doc.RootElement.GetProperty("data").GetProperty("d_column").GetString());
    }

    [Fact]
    public void PassK_Json_ReproducesBrownMeans()
    {
        var r = CliRun.Of("passk", "--data", RepoData.PathOf("pass_at_k/brown2024_pythia_math_per_problem.csv"), "--k", "1,100,10000", "--group", "model", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(21, rows.Count);
        var p12 = rows.Where(x => x.GetProperty("model").GetString() == "Pythia 12B").ToDictionary(x => x.GetProperty("k").GetDouble(), x => x.GetProperty("pass_at_k").GetDouble());
        Assert.Equal(0.0232, p12[1], 4); Assert.Equal(0.4834, p12[100], 4); Assert.Equal(0.875, p12[10000], 4);
    }

    [Fact]
    public void PassK_FromNll_IsExact()
    {
        var p = Write("nll.csv", "task,nll\na,0.6931471805599453\na,2.302585092994046\n");
        var r = CliRun.Of("passk", "--data", p, "--k", "1,2", "--group", "task", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal((0.5 + 0.1) / 2, rows[0].GetProperty("pass_at_k").GetDouble(), 12);
        Assert.Equal((0.75 + 0.19) / 2, rows[1].GetProperty("pass_at_k").GetDouble(), 12);
    }

    public static TheoryData<string, string, string[]> BadInputs => new()
    {
        // name, file content (null-ish "<missing>" = do not create), expected fragments of the one error line
        { "missing.csv", "<missing>", new[] { "missing.csv", "file not found" } },
        { "empty.csv", "", new[] { "empty.csv", "empty" } },
        { "nocol.csv", "params,tokens\n1e8,1e9\n", new[] { "nocol.csv:1", "loss" } },
        { "text.csv", "params,tokens,loss\n1e8,1e9,3\n2e8,1e9,abc\n", new[] { "text.csv:3", "'loss'", "not a number" } },
        { "inf.csv", "params,tokens,loss\n1e8,1e9,3\n2e8,Infinity,3\n", new[] { "inf.csv:3", "'tokens'", "not finite" } },
        { "neg.csv", "params,tokens,loss\n1e8,1e9,3\n-2e8,1e9,3\n", new[] { "neg.csv:3", "'params'", "> 0" } },
        { "zero.csv", "params,tokens,loss\n1e8,1e9,3\n2e8,1e9,0\n", new[] { "zero.csv:3", "'loss'", "> 0" } },
        { "few.csv", "params,tokens,loss\n1e8,1e9,3\n2e8,1e9,2.9\n", new[] { "few.csv", "2 points for 5 parameters" } },
        { "ragged.csv", "params,tokens,loss\n1e8,1e9\n", new[] { "ragged.csv:2", "2 fields" } },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void FitLoss_BadInput_ExitsTwo_WithOneLineNamingFileLineColumn(string name, string content, string[] expected)
    {
        var path = content == "<missing>" ? Path.Combine(_dir, name) : Write(name, content);
        var r = CliRun.Of("fit", "loss", "--data", path);
        Assert.Equal(2, r.Code);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        foreach (var e in expected) Assert.Contains(e, r.Err);
        Assert.DoesNotContain("   at ", r.Err); // never a stack trace
    }

    [Fact]
    public void PassK_RejectsAQuestionTwiceInOneGroup_AsFitT2Does()
    {
        var p = Write("dup.csv", "checkpoint,question,nll\na,q1,0.5\na,q1,0.7\nb,q1,0.2\n");
        var r = CliRun.Of("passk", "--data", p, "--k", "1");
        Assert.Equal(2, r.Code);
        Assert.Contains("dup.csv:3", r.Err);
        Assert.Contains("appears twice", r.Err);
        Write("ok.csv", "checkpoint,question,nll\na,q1,0.5\nb,q1,0.2\n");
        Assert.Equal(0, CliRun.Of("passk", "--data", Path.Combine(Path.GetDirectoryName(p)!, "ok.csv"), "--k", "1", "--group", "checkpoint").Code);
    }

    [Theory]
    [InlineData("num_samples,num_correct\n10,11\n", "c > n")]
    [InlineData("num_samples,num_correct\n10,-1\n", "non-negative integer")]
    [InlineData("num_samples,num_correct\n10,3\n", "exceeds")] // k = 100 > n = 10
    public void PassK_BadCounts_ExitTwo(string content, string expected)
    {
        var p = Write("counts.csv", content);
        var r = CliRun.Of("passk", "--data", p, "--k", "100");
        Assert.Equal(2, r.Code);
        Assert.Contains("counts.csv:2", r.Err);
        Assert.Contains(expected, r.Err);
    }

    [Theory]
    [InlineData("fit", "loss", "--data")]              // missing value
    [InlineData("fit", "loss", "--bogus", "x")]         // unknown flag
    [InlineData("passk", "--data", "x.csv", "--k", "a")] // not a number
    public void UsageErrors_ExitTwo(params string[] args)
    {
        var r = CliRun.Of(args);
        Assert.Equal(2, r.Code);
        Assert.False(string.IsNullOrWhiteSpace(r.Err));
    }

    [Fact]
    public void Where_UnknownColumn_IsAnInputError()
    {
        var r = CliRun.Of("fit", "loss", "--data", Epoch, "--where", "nosuch=1");
        Assert.Equal(2, r.Code);
        Assert.Contains("nosuch", r.Err);
    }

    [Fact]
    public void Help_IsAvailableForEveryVerb()
    {
        foreach (var args in new[] { new[] { "--help" }, new[] { "fit", "loss", "--help" }, new[] { "passk", "--help" }, new[] { "bench", "fit", "--help" } })
            Assert.Equal(0, CliRun.Of(args).Code);
    }
}
