using T2.Testbed.Inference;
using T2.Testbed.IO;
using T2.Testbed.Serving;
using T2.Testbed.Training;
using T2.Testbed.World;
using T2.Tests.Cli;

namespace T2.Tests.Testbed;

[Trait("Category", "Slow")]
public class FinetuneTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2-ft-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string Base => Path.Combine(tiny.Dir, "run");
    private static readonly FinetuneOptions Small = new() { TrainQuestions = 40, Epochs = 2, CheckpointSeconds = 1e9 };

    [Fact]
    public void TrainingSplit_IsDisjointFromTheEvaluation_AndKeepsItsDifficulty()
    {
        var eval = tiny.World.Questions();
        var split = tiny.World.TrainingQuestions(SyntheticWorld.Families, 200, 1);
        Assert.Equal(800, split.Count);
        var evalPrompts = eval.Select(q => q.Prompt).ToHashSet();
        var evalPairs = eval.Select(q => (q.Prompt, q.Answer)).ToHashSet();
        Assert.DoesNotContain(split, q => evalPrompts.Contains(q.Prompt) || evalPairs.Contains((q.Prompt, q.Answer)));
        foreach (var fam in SyntheticWorld.Families)
        {
            var e = eval.Where(q => q.Family == fam).ToList(); var s = split.Where(q => q.Family == fam).ToList();
            Assert.Equal(200, s.Count);
            // Same difficulty settings: the same answer lengths and answer spaces appear in both.
            Assert.Equal(e.Select(q => q.Answer.Split(' ').Length).Distinct().Order(), s.Select(q => q.Answer.Split(' ').Length).Distinct().Order());
            Assert.True(s.Select(q => q.Prompt).Distinct().Count() > 20, fam);
        }
        Assert.Equal(split.Select(q => q.Prompt), tiny.World.TrainingQuestions(SyntheticWorld.Families, 200, 1).Select(q => q.Prompt));
        Assert.NotEqual(split.Select(q => q.Prompt), tiny.World.TrainingQuestions(SyntheticWorld.Families, 200, 2).Select(q => q.Prompt));
    }

    [Fact]
    public void Sft_MasksExactlyThePrompt_AndItsLossIsTheMeanOverAnswerPositionsOnly()
    {
        var ft = Finetuner.Examples(tiny.World, Small, tiny.Config.Context);
        var sft = Finetuner.Examples(tiny.World, Small with { Mode = PostTrainMode.Sft }, tiny.Config.Context);
        var qs = tiny.World.TrainingQuestions(Small.Families, Small.TrainQuestions, Small.Seed);
        for (int i = 0; i < qs.Count; i++)
        {
            int promptLen = tiny.World.Tokenizer.Encode(qs[i].Prompt).Length;
            Assert.All(ft[i].Targets, t => Assert.True(t >= 0));
            Assert.All(sft[i].Targets.Take(promptLen - 1), t => Assert.Equal(-1, t));          // prompt positions: no target
            Assert.Equal(ft[i].Targets.Skip(promptLen - 1), sft[i].Targets.Skip(promptLen - 1)); // answer and "." kept
        }
        // One example through the model: the SFT loss is the mean of the per-position losses over answer positions,
        // so a prompt position contributes neither loss nor gradient.
        var model = Checkpoint.Load(Base, false).Model;
        var e = ft[3]; var s = sft[3];
        model.Forward(e.Inputs, e.Targets, 1, e.Inputs.Length);
        var losses = model.Losses.ToArray();
        float lossSft = model.Forward(s.Inputs, s.Targets, 1, s.Inputs.Length);
        var answerPositions = Enumerable.Range(0, s.Targets.Length).Where(t => s.Targets[t] >= 0).ToList();
        Assert.Equal(answerPositions.Average(t => (double)losses[t]), lossSft, 5);
        model.ZeroGrad(); model.Backward();
        var gSft = model.Grads.ToArray();
        // The loss's gradient with respect to the logits is zero at every masked (prompt) position.
        int V = tiny.Config.VocabSize, n = s.Targets.Length;
        var probs = model.Probs.ToArray(); var dlogits = new float[n * V]; var dloss = Enumerable.Repeat(1f / answerPositions.Count, n).ToArray();
        T2.Testbed.Model.Layers.CrossEntropy.Backward(T2.Testbed.Model.Seg<float>.Of(dlogits), T2.Testbed.Model.Seg<float>.Of(probs), dloss, s.Targets, n, V);
        for (int t = 0; t < n; t++)
        {
            bool masked = s.Targets[t] < 0;
            Assert.True(masked == dlogits.AsSpan(t * V, V).ToArray().All(x => x == 0), $"position {t}");
        }
        // FT's targets at the prompt positions do add gradient.
        model.Forward(e.Inputs, e.Targets, 1, e.Inputs.Length); model.ZeroGrad(); model.Backward();
        Assert.NotEqual(gSft, model.Grads.ToArray());
    }

    [Fact]
    public void Finetuning_LowersTheSplitsAnswerNll_RecordsItsBase_AndLoadsEverywhere()
    {
        string output = Path.Combine(_dir, "ft");
        var info = Finetuner.Run(Base, output, Small);
        Assert.True(info.Finished);
        var pt = info.PostTraining!;
        Assert.Equal(Path.GetFullPath(Base), pt.Base);
        Assert.Equal(tiny.Info.TokensSeen, info.TokensSeen);                  // D stays the pretraining tokens
        Assert.Equal(2 * Finetuner.StepsPerEpoch(160, 8), pt.TotalSteps);
        Assert.True(pt.Tokens > 0 && pt.Flops == 6.0 * info.ParamsTotal * pt.Tokens);
        var (_, after, _) = Checkpoint.Load(output, false);
        var split = tiny.World.TrainingQuestions(Small.Families, Small.TrainQuestions, Small.Seed);
        double before = Evaluator.Likelihood(tiny.Model, tiny.World.Tokenizer, split).Average(r => r.Nll);
        double now = Evaluator.Likelihood(after, tiny.World.Tokenizer, split).Average(r => r.Nll);
        Assert.True(now < before - 0.1, $"split answer NLL {before} → {now}");
        // Everywhere a base checkpoint goes: evaluation, serving, GGUF export, tasks.
        Assert.Equal(0, CliRun.Of("testbed", "eval", "--checkpoint", output, "--out", Path.Combine(_dir, "ev.csv")).Code);
        Assert.Equal(0, CliRun.Of("testbed", "export", "--checkpoint", output, "--gguf", Path.Combine(_dir, "ft.gguf")).Code);
        Assert.Equal(0, CliRun.Of("testbed", "tasks", "--checkpoint", output, "--out", Path.Combine(_dir, "t.jsonl")).Code);
        var engine = new CompletionEngine(after, tiny.World.Tokenizer, 1);
        Assert.Single(engine.Run(new CompletionJob(tiny.World.Tokenizer.Encode("capital of"), 1, 3, 0, 1, 1, [], 0, false, false)).Choices);
        // A post-trained checkpoint is not fine-tuned again.
        var again = CliRun.Of("testbed", "finetune", "--checkpoint", output, "--out", Path.Combine(_dir, "ft2"));
        Assert.Equal(2, again.Code);
        Assert.Contains("already post-trained", again.Err);
    }

    [Fact]
    public void ResumeAfterAKill_IsBitExact()
    {
        var o = Small with { Mode = PostTrainMode.Sft, CheckpointSeconds = 0 };
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        var whole = Finetuner.Run(Base, a, o);
        using var cts = new CancellationTokenSource();
        var progress = new T2.Cli.Commands.SyncProgress<TrainProgress>(r => { if (r.Step == 7) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => { Finetuner.Run(Base, b, o, progress, cts.Token); });
        Assert.False(Checkpoint.LoadInfo(b).Finished);
        var resumed = Finetuner.Run(Base, b, o);
        Assert.Equal(Checkpoint.Load(a, false).Model.Params, Checkpoint.Load(b, false).Model.Params);
        Assert.Equal(whole.PostTraining!.Tokens, resumed.PostTraining!.Tokens);
        Assert.Equal(whole.PostTraining.FinalLoss, resumed.PostTraining.FinalLoss);
    }

    [Theory]
    [InlineData("--epochs", "0", "epochs")]
    [InlineData("--tasks", "knowledge,poetry", "unknown family 'poetry'")]
    [InlineData("--lr", "-1", "lr")]
    [InlineData("--batch", "0", "batch")]
    public void BadSettings_Exit2_BeforeAnyWork(string flag, string value, string expect)
    {
        string output = Path.Combine(_dir, "bad");
        var r = CliRun.Of("testbed", "finetune", "--checkpoint", Base, flag, value, "--out", output);
        Assert.Equal(2, r.Code);
        Assert.Contains(expect, r.Err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AnUnfinishedBase_Exit2_BeforeAnyWork()
    {
        string copy = Path.Combine(_dir, "unfinished"); Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(Base)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var cfg = File.ReadAllText(Path.Combine(copy, "config.json")).Replace("\"finished\": true", "\"finished\": false");
        File.WriteAllText(Path.Combine(copy, "config.json"), cfg);
        var r = CliRun.Of("testbed", "finetune", "--checkpoint", copy, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, r.Code);
        Assert.Contains("not finished", r.Err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));
    }
}
