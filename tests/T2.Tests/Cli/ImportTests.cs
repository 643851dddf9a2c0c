namespace T2.Tests.Cli;

/// <summary>`t2 import` on the small examples in examples/import (written in each tool's documented field names).</summary>
public class ImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-import-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static string Example(string name) =>
        Path.Combine(RepoData.RepoRoot, "examples", "import", name);

    private string Out(string name) => Path.Combine(_dir, name);
    private static readonly string[] Model = ["--checkpoint", "m1", "--params", "1.4e9", "--tokens", "3e11"];

    private static List<string[]> Rows(string path) => File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();

    [Fact]
    public void LmEval_MultipleChoice_GivesTheGoldChoicesNll_InBothNestings()
    {
        var r = CliRun.Of(["import", "lm-eval", Example("samples_arc_easy_2026-11-30T10-00-00.jsonl"), .. Model, "--out", Out("a.csv")]);
        Assert.True(r.Code == 0, r.Err);
        var rows = Rows(Out("a.csv"));
        Assert.Equal("arc_easy", rows[0][3]);                 // task from the file name
        Assert.Equal(1.20, double.Parse(rows[0][5]), 12);      // target 1: the second choice's −logprob (0.4.x nesting, strings)
        Assert.Equal(2.75, double.Parse(rows[1][5]), 12);      // target 0, flattened lists with numbers
    }

    [Fact]
    public void LmEval_Generations_AreRegraded_EachDocumentOnceAcrossFilters()
    {
        var r = CliRun.Of(["import", "lm-eval", Example("samples_gsm8k_2026-11-30T10-00-00.jsonl"), "--grade", "numeric", .. Model, "--out", Out("g.csv")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("another filter", r.Err);
        var rows = Rows(Out("g.csv"));
        Assert.Equal(2, rows.Count);
        Assert.Equal(["4", "3"], rows[0][5..]);   // 7, 8, 7, 7 against 7
        Assert.Equal(["4", "2"], rows[1][5..]);   // 22, 24, 24, 1,024 against 24
        // exact grading compares the whole normalised response with the target: none match here.
        Assert.Equal(0, CliRun.Of(["import", "lm-eval", Example("samples_gsm8k_2026-11-30T10-00-00.jsonl"), .. Model, "--out", Out("e.csv")]).Code);
        Assert.All(Rows(Out("e.csv")), row => Assert.Equal("0", row[6]));
    }

    [Fact]
    public void HumanEval_AndMonkeys_GiveCounts_AndAnotherTaskKeepsTheFirstTasksRows()
    {
        Assert.Equal(0, CliRun.Of(["import", "human-eval", Example("humaneval_samples.jsonl_results.jsonl"), .. Model, "--out", Out("c.csv")]).Code);
        Assert.Equal(0, CliRun.Of(["import", "monkeys", Example("monkeys_problem_17.yaml"), Example("monkeys_release.jsonl"), .. Model, "--out", Out("c.csv")]).Code);
        var rows = Rows(Out("c.csv"));
        Assert.Contains(rows, x => x[4] == "HumanEval/0" && x[5] == "3" && x[6] == "2");
        Assert.Contains(rows, x => x[4] == "HumanEval/1" && x[5] == "3" && x[6] == "0");
        Assert.Contains(rows, x => x[4] == "monkeys_problem_17" && x[5] == "3" && x[6] == "2");
        Assert.Contains(rows, x => x[4] == "math-002" && x[5] == "3" && x[6] == "2"); // is_correct (singular) accepted
        Assert.Equal(5, rows.Count);
        // The imported evidence feeds passk directly.
        Assert.Equal(0, CliRun.Of("passk", "--data", Out("c.csv"), "--group", "task", "--k", "1,2").Code);
    }

    [Theory]
    [InlineData("lm-eval", "{\"doc_id\": 0, \"target\": 1}\n", "resps")]
    [InlineData("lm-eval", "{\"doc_id\": 0, \"resps\": [[[\"-1\", \"False\"]], [[\"-2\", \"False\"]]], \"target\": 5}\n", "choice 5 of 2")]
    [InlineData("lm-eval", "{\"doc_id\": 0, \"resps\": [[[\"0.5\", \"False\"]]]}\n", "≤ 0")]
    [InlineData("human-eval", "{\"task_id\": \"HumanEval/0\", \"passed\": true}\nnot json\n", ":2")]
    [InlineData("human-eval", "{\"task_id\": \"HumanEval/0\", \"result\": \"passed\"}\n", "passed")]
    [InlineData("monkeys", "{\"problem_id\": \"p\", \"is_corrects\": [true, 3]}\n", "is_corrects")]
    public void MalformedLogs_Exit2_NamingLineAndField(string tool, string content, string expect)
    {
        var p = Out("bad.jsonl"); File.WriteAllText(p, content);
        var r = CliRun.Of(["import", tool, p, .. Model, "--out", Out("x.csv")]);
        Assert.Equal(2, r.Code);
        Assert.Contains(expect, r.Err);
        Assert.Contains("bad.jsonl", r.Err);
        Assert.False(File.Exists(Out("x.csv")));
    }

    [Fact]
    public void NAndD_AreRequired_NeverGuessed()
    {
        var r = CliRun.Of("import", "human-eval", Example("humaneval_samples.jsonl_results.jsonl"), "--checkpoint", "m1", "--out", Out("y.csv"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--params", r.Err);
    }

    [Fact]
    public void Registry_GivesNAndD_ForTheCheckpoint_AndAMissingRowIsNamed()
    {
        File.WriteAllText(Out("reg.csv"), "name,params,tokens\nm0,1e8,2e9\nm1,1.4e9,3e11\n");
        var r = CliRun.Of("import", "human-eval", Example("humaneval_samples.jsonl_results.jsonl"), "--checkpoint", "m1", "--registry", Out("reg.csv"), "--out", Out("r.csv"));
        Assert.True(r.Code == 0, r.Err);
        var rows = Rows(Out("r.csv"));
        Assert.All(rows, row => { Assert.Equal(1.4e9, double.Parse(row[1])); Assert.Equal(3e11, double.Parse(row[2])); });
        var missing = CliRun.Of("import", "human-eval", Example("humaneval_samples.jsonl_results.jsonl"), "--checkpoint", "m9", "--registry", Out("reg.csv"), "--out", Out("s.csv"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("no row for checkpoint 'm9'", missing.Err);
        File.WriteAllText(Out("bad.csv"), "name,params,tokens\nm1,,3e11\n");
        var bad = CliRun.Of("import", "human-eval", Example("humaneval_samples.jsonl_results.jsonl"), "--checkpoint", "m1", "--registry", Out("bad.csv"), "--out", Out("t.csv"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("bad.csv:2: column 'params'", bad.Err);
    }
}
