using System.CommandLine;
using System.Text;
using Spectre.Console.Testing;
using T2.Cli;

namespace T2.Tests.Cli;

/// <summary>
/// The error contract (docs/errors.md) swept over every verb's numeric options and every file format t2 reads: bad input
/// is exit 2 with exactly one line on stderr that names the file, line and field where there is one, never a stack trace,
/// never a secret echoed, and never a stray or half-written output file.
/// </summary>
public class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-bad-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Exit 2, one line starting "t2: ", no trace, every expected fragment present; returns the line.</summary>
    public static string AssertOneLine(CliRun r, string context, params string[] expected)
    {
        Assert.True(r.Code == 2, $"{context}: exit {r.Code}: {r.Err}{r.Console}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{context}: {lines.Length} lines on stderr:\n{r.Err}");
        Assert.StartsWith("t2: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("internal error", r.Err);
        foreach (var e in expected) Assert.True(lines[0].Contains(e, StringComparison.Ordinal), $"{context}: '{e}' not in: {lines[0]}");
        return lines[0];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Every numeric option of every verb (walked from the command tree, so a new option is covered without editing this)

    private static IEnumerable<(string[] Path, Command Command)> Leaves(Command c, string[] path)
    {
        if (c.Subcommands.Count == 0) { yield return (path, c); yield break; }
        foreach (var s in c.Subcommands) foreach (var x in Leaves(s, [.. path, s.Name])) yield return x;
    }

    private static bool IsNumeric(Option o) => o is Option<double> or Option<double?> or Option<int> or Option<int?> or Option<double[]>;

    [Fact]
    public void EveryNumericOption_OfEveryVerb_RefusesBadValues_WithOneLineNamingIt_AndCreatesNothing()
    {
        var root = Program.BuildRoot(new CliContext(new TestConsole(), TextWriter.Null, TextWriter.Null));
        int options = 0, lists = 0, cases = 0;
        foreach (var (path, cmd) in Leaves(root, []))
        {
            foreach (var o in cmd.Options.Where(IsNumeric))
            {
                options++;
                bool list = o is Option<double[]>;
                if (list) lists++;
                var bad = new List<string> { "abc", "", "1e999", "0x10", list ? "2,5x" : "2,5" };
                if (o is Option<double> or Option<double?>) bad.AddRange(["NaN", "Infinity", "-Infinity", "1.0.0"]);
                if (o is Option<int> or Option<int?>) bad.AddRange(["1.5", "1e3", "99999999999"]);
                if (list) bad.AddRange(["1,x", "1,,2", ",", "1;2", "NaN,1"]);
                foreach (var v in bad)
                {
                    // Required options and arguments get harmless values (files that do not exist, inside the scratch
                    // folder), so that the numeric option's error is the only one.
                    var args = new List<string>(path);
                    foreach (var r in cmd.Options.Where(r => r.Required && r != o)) args.AddRange([r.Name, IsNumeric(r) ? "1" : P("req" + r.Name)]);
                    foreach (var _ in cmd.Arguments) args.Add(P("arg"));
                    args.AddRange([o.Name, v]);
                    string ctx = string.Join(' ', args);
                    var line = AssertOneLine(CliRun.Of([.. args]), ctx, o.Name);
                    if (v == "2,5" && !list) Assert.Contains("with a point", line);
                    cases++;
                }
            }
        }
        Assert.Empty(Directory.GetFileSystemEntries(_dir));                     // nothing created by any refused command line
        Assert.True(options >= 60, $"only {options} numeric options found");
        Assert.True(lists >= 9, $"only {lists} list options found");           // --c-train, --compute, --n, --d, --k ×3, --k-grid, --d-model
        Assert.True(cases > 300);
    }

    [Fact]
    public void DecimalComma_InAList_GetsTheSameHint_AsInASingleValue()
    {
        var one = AssertOneLine(CliRun.Of("plan", "--fit", P("f.json"), "--c-train", "1e21", "--c-inf", "2,5e5"), "c-inf", "--c-inf", "2,5e5");
        Assert.Contains("with a point", one);
        // "1,5e12" is a list of 1 and 5e12; 1 FLOP is no training budget, and the message says why a comma may be to blame.
        var list = AssertOneLine(CliRun.Of("plan", "--fit", P("f.json"), "--c-train", "1,5e12", "--c-inf", "1e11"), "c-train", "--c-train", "1,5e12");
        Assert.Contains("with a point", list);
        AssertOneLine(CliRun.Of("fit", "loss", "--data", P("d.csv"), "--compute", "1,5e21"), "compute", "--compute", "with a point");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void SeveralBadOptions_PrintOnlyTheFirst_OnOneLine_WithoutUsage()
    {
        foreach (var args in new[]
        {
            new[] { "plan", "--fit", P("f.json"), "--c-train", "1e21", "--unique-tokens", "NaN", "--max-latency-s", "0", "--kv-share", "0" },
            ["testbed", "finetune", "--checkpoint", P("c"), "--mode", "rl"],
            ["frontier", "--fit", P("f.json"), "--c-inf", "1e11", "--out", P("fr"), "--points", "x", "--level", "2"],
            ["eval", "--tasks", P("t.jsonl"), "--out", P("o.jsonl"), "--mode", "guess", "--protocol", "telepathy"],
            ["nosuchverb", "--also", "wrong"],
        })
        {
            var line = AssertOneLine(CliRun.Of(args), string.Join(' ', args));
            Assert.DoesNotContain("--help", line);
        }
        // System.CommandLine lists the allowed values on lines of their own; the one line keeps them and names the option.
        var mode = AssertOneLine(CliRun.Of("testbed", "finetune", "--checkpoint", P("c"), "--mode", "rl"), "mode", "--mode", "rl");
        Assert.Contains("sft", mode);
        var usd = AssertOneLine(CliRun.Of("plan", "--fit", P("f.json"), "--c-train-usd", "1e308", "--c-inf-usd-per-query", "1e308"), "usd");
        Assert.Contains("--c-train-usd", usd);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Secrets

    [Theory]
    [InlineData("--api-key")] [InlineData("--key")] [InlineData("--secret")] [InlineData("--password")]
    [InlineData("--token")] [InlineData("--bearer")] [InlineData("--auth")] [InlineData("--openai-api-key")] [InlineData("--API_KEY")]
    public void ASecretFlag_IsRefused_WithoutEchoingItsValue(string flag)
    {
        const string key = "sk-proj-Zx81TopSecretValue42";
        foreach (var args in new[]
        {
            new[] { "eval", flag, key, "--tasks", P("t.jsonl"), "--out", P("o.jsonl") },
            ["eval", $"{flag}={key}"],
            ["import", "lm-eval", P("a.jsonl"), flag, key],
            [flag, key],
        })
        {
            var r = CliRun.Of(args);
            AssertOneLine(r, string.Join(' ', args.Select(a => a == key ? "KEY" : a)), "--api-key-env");
            Assert.DoesNotContain("Zx81", r.Err + r.Out + r.Console);
        }
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void TokensCounts_AreNotMistakenForSecrets_AndAStrayKeyIsRedacted()
    {
        // --tokens is D, a count: the parse goes on to the real problem (the missing log file).
        var r = CliRun.Of("import", "lm-eval", P("missing.jsonl"), "--checkpoint", "c", "--params", "1e9", "--tokens", "1e10", "--out", P("e.csv"));
        AssertOneLine(r, "tokens", "missing.jsonl");
        // A key pasted where no flag takes it is never printed back either.
        var stray = CliRun.Of("plan", "sk-proj-Zx81TopSecretValue42");
        Assert.Equal(2, stray.Code);
        Assert.DoesNotContain("Zx81", stray.Err);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Every file format t2 reads, malformed: (what, file name, content, command line with {F} the file and {O} an output)

    private static readonly byte[] Latin1 = [.. "question,num_samples,num_correct\nq1,10,2\n"u8, .. "caf"u8, 0xE9, .. ",10,3\n"u8];

    private static string Deep(int n, string open, string close, string inner = "1") =>
        string.Concat(Enumerable.Repeat(open, n)) + inner + string.Concat(Enumerable.Repeat(close, n));

    private static string Arc(int line) => File.ReadLines(Path.Combine(RepoData.RepoRoot, "examples", "import", "samples_arc_easy_2026-11-30T10-00-00.jsonl")).ElementAt(line);

    private const string Import = "import {V} {F} --checkpoint c --params 1e9 --tokens 1e10 --out {O}";
    private const string EvalRun = "eval --endpoint http://127.0.0.1:9 --model m --tasks {F} --checkpoint c --params 1e9 --tokens 1e10 --out {O}";
    private const string Frontier = "frontier --fit {O}.fit --c-inf 1e11 --out {O} --unique-tokens 1e9";
    private const string FrontierHw = "frontier --fit {O}.fit --c-inf 1e11 --out {O}";

    public static TheoryData<string, string, byte[], string, string[]> Files()
    {
        static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
        string arc0 = Arc(0);
        var d = new TheoryData<string, string, byte[], string, string[]>
        {
            // evidence (CSV / JSONL), read by passk, fit t2, fit loss
            { "csv-latin1", "ev.csv", Latin1, "passk --data {F}", [":3", "UTF-8"] },
            { "csv-ragged", "ev.csv", B("question,num_samples,num_correct\nq1,10\n"), "passk --data {F}", [":2"] },
            { "csv-empty", "ev.csv", [], "fit t2 --data {F} --out {O}", ["empty"] },
            { "jsonl-deep", "ev.jsonl", B(Deep(200, "{\"a\":", "}") + "\n"), "passk --data {F}", [":1"] },
            { "jsonl-latin1", "ev.jsonl", [.. "{\"question\":\"q\",\"nll\":1}\n{\"question\":\"caf"u8, 0xE9, .. "\",\"nll\":1}\n"u8], "passk --data {F}", [":2", "UTF-8"] },
            { "loss-csv-text", "loss.csv", B("N,D,loss\n1e6,1e9,abc\n"), "fit loss --data {F}", [":2"] },
            // fit files (plan, predict, frontier, report)
            { "fit-array", "f.json", B("[1,2]"), "plan --fit {F} --c-train 1e21 --c-inf 1e11", ["schema"] },
            { "fit-deep", "f.json", B(Deep(500, "[", "]")), "plan --fit {F} --c-train 1e21 --c-inf 1e11", ["not a JSON fit file"] },
            { "fit-latin1", "f.json", [.. "{\"schema\":2,\"kind\":\"t2\",\"note\":\"caf"u8, 0xE9, .. "\"}"u8], "predict --fit {F} --n 1e9 --d 1e10 --k 1", [":1", "UTF-8"] },
            { "fit-tasks-type", "f.json", B("{\"schema\":2,\"kind\":\"t2\",\"tasks\":\"lots\"}"), "plan --fit {F} --c-train 1e21 --c-inf 1e11", ["tasks", "must be a list"] },
            // ladder specs (testbed ladder, validate): refused before any training
            { "spec-tokens-float", "s.json", B("{\"extra\":[{\"label\":\"x\",\"shape\":{\"d_model\":16,\"layers\":1,\"heads\":1},\n\"tokens\":100000.0}]}"),
                "testbed ladder --spec {F} --out {O}", ["extra[0].tokens", "whole number", "line 2"] },
            { "spec-budgets-text", "s.json", B("{\"budgets\": \"lots\"}"), "testbed ladder --spec {F} --out {O}", ["budgets", "must be a list of numbers"] },
            { "spec-deep", "s.json", B("{\"world\":" + Deep(300, "{\"a\":", "}") + "}"), "testbed ladder --spec {F} --out {O}", ["s.json"] },
            { "spec-latin1", "s.json", [.. "{\"note\":\"caf"u8, 0xE9, .. "\"}"u8], "testbed ladder --spec {F} --out {O}", [":1", "UTF-8"] },
            // hardware and data-wall files (read by frontier before the fit file)
            { "hardware-name-number", "hw.json", B("{\"name\": 5, \"peak_flops\": 1e15}"), FrontierHw + " --hardware {F}", ["hw.json"] },
            { "hardware-latin1", "hw.json", [.. "{\"name\":\"caf"u8, 0xE9, .. "\"}"u8], FrontierHw + " --hardware {F}", [":1", "UTF-8"] },
            { "datawall-schema-text", "w.json", B("{\"kind\":\"data_wall\",\"schema\":\"one\"}"), Frontier + " --data-wall {F}", ["schema", "must be a number"] },
            { "datawall-deep", "w.json", B(Deep(100, "[", "]")), Frontier + " --data-wall {F}", ["w.json"] },
            // lm-evaluation-harness
            { "lmeval-3-args-2-resps", "samples_arc_x.jsonl", B(arc0.Replace("[[\"-3.51\", \"False\"]], ", "") + "\n"), Import.Replace("{V}", "lm-eval"), [":1", "resps", "2 responses for 3 requests"] },
            { "lmeval-logprob-abc", "samples_arc_x.jsonl", B(arc0.Replace("\"-3.51\"", "\"abc\"") + "\n"), Import.Replace("{V}", "lm-eval"), [":1", "resps", "\"abc\"", "not a number"] },
            { "lmeval-resps-123", "samples_t_x.jsonl", B("{\"doc_id\":0,\"target\":\"x\",\"resps\":[[1,2,3]]}\n"), Import.Replace("{V}", "lm-eval"), [":1", "resps", "[logprob, is_greedy]"] },
            { "lmeval-positive", "samples_t_x.jsonl", B("{\"doc_id\":0,\"target\":\"x\",\"resps\":[[[\"2.5\",\"True\"]]]}\n"), Import.Replace("{V}", "lm-eval"), [":1", "≤ 0"] },
            { "lmeval-mixed", "samples_t_x.jsonl", B("{\"doc_id\":0,\"target\":\"x\",\"resps\":[[[\"-2.5\",\"True\"]]]}\n{\"doc_id\":1,\"target\":\"x\",\"resps\":[[\"x\"]]}\n"),
                Import.Replace("{V}", "lm-eval"), [":2", "resps", "line 1"] },
            { "lmeval-latin1", "samples_t_x.jsonl", [.. "{\"doc_id\":0,\"target\":\"caf"u8, 0xE9, .. "\",\"resps\":[[\"x\"]]}\n"u8], Import.Replace("{V}", "lm-eval"), [":1", "UTF-8"] },
            { "lmeval-not-object", "samples_t_x.jsonl", B("[1]\n"), Import.Replace("{V}", "lm-eval"), [":1"] },
            { "lmeval-deep", "samples_t_x.jsonl", B(Deep(1000, "[", "]") + "\n"), Import.Replace("{V}", "lm-eval"), [":1"] },
            // human-eval
            { "humaneval-taskid-number", "h_results.jsonl", B("{\"task_id\": 17, \"passed\": true}\n"), Import.Replace("{V}", "human-eval"), [":1", "task_id", "17"] },
            { "humaneval-passed-text", "h_results.jsonl", B("{\"task_id\": \"HumanEval/0\", \"passed\": \"yes\"}\n"), Import.Replace("{V}", "human-eval"), [":1", "passed"] },
            { "humaneval-latin1", "h_results.jsonl", [.. "{\"task_id\": \"HumanEval/0\", \"passed\": true}\n{\"task_id\": \"caf"u8, 0xE9, .. "\", \"passed\": true}\n"u8],
                Import.Replace("{V}", "human-eval"), [":2", "UTF-8"] },
            // Large Language Monkeys (YAML and JSON)
            { "monkeys-yaml-deep", "p.yaml", B(Deep(50_000, "[", "]")), Import.Replace("{V}", "monkeys"), [":1", "nested deeper"] },
            { "monkeys-yaml-3-vs-1", "p.yaml", B("samples:\n  - a\n  - b\n  - c\nis_corrects:\n  - true\n"), Import.Replace("{V}", "monkeys"), [":2", "samples", "3 samples but 1"] },
            { "monkeys-yaml-samples-text", "p.yaml", B("samples: abc\nis_corrects:\n  - true\n"), Import.Replace("{V}", "monkeys"), [":1", "samples", "must be a list"] },
            { "monkeys-json-9-vs-1", "m.jsonl", B("{\"problem_id\":\"a\",\"samples\":[1,2,3,4,5,6,7,8,9],\"is_corrects\":[true]}\n"), Import.Replace("{V}", "monkeys"), [":1", "samples", "9 samples but 1"] },
            { "monkeys-json-samples-abc", "m.jsonl", B("{\"problem_id\":\"a\",\"samples\":\"abc\",\"is_corrects\":[true]}\n"), Import.Replace("{V}", "monkeys"), [":1", "samples", "must be a list"] },
            { "monkeys-array-not-object", "m.json", B("[{\"is_corrects\":[true]}, 5]"), Import.Replace("{V}", "monkeys"), [":2"] },
            { "monkeys-yaml-latin1", "p.yaml", [.. "samples:\n  - caf"u8, 0xE9, .. "\nis_corrects:\n  - true\n"u8], Import.Replace("{V}", "monkeys"), [":2", "UTF-8"] },
            // eval task files (checked before any request: the endpoint here does not exist)
            { "tasks-latin1", "t.jsonl", [.. "{\"id\":\"1\",\"prompt\":\"caf"u8, 0xE9, .. "\",\"answer\":\"x\"}\n"u8], EvalRun, [":1", "UTF-8"] },
            { "tasks-id-missing", "t.jsonl", B("{\"prompt\":\"p\",\"answer\":\"x\"}\n"), EvalRun, [":1", "'id'"] },
            { "tasks-deep", "t.jsonl", B(Deep(100, "{\"a\":", "}") + "\n"), EvalRun, [":1"] },
            // registry CSV
            { "registry-no-row", "reg.csv", B("name,params,tokens\nother,1e9,1e10\n"), "import lm-eval {O}.jsonl --checkpoint c --registry {F} --out {O}", ["name", "'c'"] },
            // the same readers behind the other verbs
            { "validate-spec-latin1", "spec.json", [.. "{\"note\":\"caf"u8, 0xE9, .. "\"}"u8], "validate --ladder {D}", [":1", "UTF-8"] },
            { "demo-spec-latin1", "s.json", [.. "{\"note\":\"caf"u8, 0xE9, .. "\"}"u8], "demo --spec {F} --out {O}", [":1", "UTF-8"] },
            { "report-fit-latin1", "f.json", [.. "{\"schema\":2,\"kind\":\"t2\",\"note\":\"caf"u8, 0xE9, .. "\"}"u8], "report --fit {F} --out {O}", [":1", "UTF-8"] },
            { "datawall-fit-deep", "f.json", B(Deep(300, "{\"a\":", "}")), "fit data-wall --data {O}.csv --fit {F} --out {O}", ["not a JSON fit file"] },
            { "serve-config-format", "config.json", B("{\"format\": 5, \"version\": 1}"), "testbed serve --checkpoint {D}", ["format '5'"] },
            { "eval-config-format", "config.json", B("{\"format\": 5, \"version\": 1}"), "testbed eval --checkpoint {D} --out {O}", ["format '5'"] },
            { "finetune-config-array", "config.json", B("[1]"), "testbed finetune --checkpoint {D} --out {O}", ["JSON object"] },
            // a plan JSON fed to the ladder as extra points
            { "extra-plans-numbers", "plan.json", B("{\"plans\":[1]}"), "testbed ladder --spec quick --out {O} --extra-from {F}", ["plans[0]"] },
        };
        return d;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MalformedFile_IsExit2_OneLine_NamingFileLineAndField_NoOutput(string what, string name, byte[] content, string command, string[] expected)
    {
        string file = P(name), output = P("out-" + what);
        File.WriteAllBytes(file, content);
        var args = command.Split(' ').Select(a => a.Replace("{F}", file).Replace("{O}", output).Replace("{D}", _dir)).ToArray();
        var r = CliRun.Of(args);
        AssertOneLine(r, what, [name, .. expected]);
        Assert.Equal([file], Directory.GetFileSystemEntries(_dir));              // no output, no temporary file, nothing else
    }

    [Fact]
    public void TasksDirectory_AndEmptyTaskName_AreNamedRefusals()
    {
        Directory.CreateDirectory(P("tasks"));
        var dir = AssertOneLine(CliRun.Of("eval", "--endpoint", "http://127.0.0.1:9", "--model", "m", "--tasks", P("tasks"), "--checkpoint", "c",
            "--params", "1e9", "--tokens", "1e10", "--out", P("o.jsonl")), "tasks dir", "is a directory");
        Assert.DoesNotContain("no such file", dir);
        string log = Path.Combine(RepoData.RepoRoot, "examples", "import", "humaneval_samples.jsonl_results.jsonl");
        AssertOneLine(CliRun.Of("import", "human-eval", log, "--checkpoint", "c", "--params", "1e9", "--tokens", "1e10", "--task", "", "--out", P("e.csv")),
            "empty task", "--task");
        Assert.False(File.Exists(P("e.csv")));
    }

    [Fact]
    public void Report_ValidationFileOfTheWrongShape_IsNamed_NotInternal_AndWritesNoReport()
    {
        var ladder = P("l.csv");
        File.WriteAllText(ladder, TrustCliTests.Ladder());
        Assert.Equal(0, CliRun.Of("fit", "t2", "--data", ladder, "--out", P("f.json"), "--approach", "2").Code);
        foreach (var (name, json) in new[] { ("rq2-number", "{\"rq2\": 5}"), ("table1-row-empty", "{\"rq2\": [], \"table1\": [{}]}"),
                                             ("rq1-text", "{\"rq2\": [], \"rq1\": \"good\"}") })
        {
            var v = P(name + ".json");
            File.WriteAllText(v, json);
            AssertOneLine(CliRun.Of("report", "--fit", P("f.json"), "--validation", v, "--out", P(name + ".html")), name, name + ".json", "validation");
            Assert.False(File.Exists(P(name + ".html")));
        }
    }

    [Fact]
    public void AnOutputDirectoryThatTakesNoFiles_NamesTheOutput_NotItsTemporaryFile()
    {
        if (!Directory.Exists("/proc/self")) return;                          // Linux only: /proc accepts no new files
        var r = CliRun.Of("fit", "loss", "--data", RepoData.PathOf("epoch_chinchilla/chinchilla_fig4_points.csv"), "--grid", "random:20", "--out", "/proc/t2-fit.json");
        var line = AssertOneLine(r, "/proc", "/proc/t2-fit.json", "cannot be written");
        Assert.DoesNotContain(".tmp", line);
    }

    [Fact]
    public void CheckpointConfig_WithWrongTypes_IsACheckpointError_NotInternal()
    {
        foreach (var (name, json) in new[] { ("format-number", "{\"format\": 5, \"version\": 1}"), ("version-fraction", "{\"format\": \"t2-testbed\", \"version\": 1.5}"),
                                             ("array", "[1]"), ("deep", Deep(200, "[", "]")) })
        {
            var dir = P("ck-" + name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), json);
            AssertOneLine(CliRun.Of("testbed", "tasks", "--checkpoint", dir, "--out", P("tasks-" + name)), name, "config.json");
            Assert.False(Directory.Exists(P("tasks-" + name)));
        }
    }
}
