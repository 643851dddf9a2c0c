using T2.Core.PassK;
using T2.Testbed.Inference;
using T2.Testbed.IO;
using T2.Testbed.Model;
using T2.Testbed.Training;
using T2.Testbed.World;

namespace T2.Tests.Testbed;

/// <summary>A tiny model trained once for the tests that need one that has learned something (a few seconds).</summary>
public sealed class TinyModelFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("t2-tiny-").FullName;
    public SyntheticWorld World { get; } = new(0);
    public ModelConfig Config { get; }
    public TrainOptions Options { get; } = new() { Tokens = 400_000, Batch = 8, Sequence = 48, LearningRate = 5e-3, Seed = 3, CheckpointSeconds = 1e9 };
    public CheckpointInfo Info { get; }
    public Gpt<float> Model { get; }
    public Gpt<float> Untrained { get; }

    public TinyModelFixture()
    {
        Config = new ModelConfig(World.Tokenizer.VocabSize, 48, 48, 2, 4);
        Info = Trainer.Run(Path.Combine(Dir, "run"), Config, Options, 0, World.Options);
        Model = Checkpoint.Load(Path.Combine(Dir, "run"), false).Model;
        Untrained = new Gpt<float>(Config); Untrained.Initialise(Options.Seed);
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

[Trait("Category", "Slow")]
public class TestbedTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void KvCachedLogits_EqualFullForwardLogits()
    {
        var m = tiny.Model; var cfg = m.Config;
        var full = new Gpt<float>(cfg); m.Params.CopyTo(full.Params, 0);
        var q = tiny.World.Questions()[250];
        var tokens = tiny.World.Tokenizer.Encode(q.Prompt + " " + q.Answer);
        int T = tokens.Length;
        full.Forward(tokens, default, 1, T);
        var dec = new KvDecoder(m);
        var cache = dec.NewCache(T); var logits = new float[cfg.VocabSize];
        for (int t = 0; t < T; t++)
        {
            dec.Step(tokens[t], t, null, cache, logits);
            for (int v = 0; v < cfg.VocabSize; v++) Assert.Equal(full.Logits[t * cfg.VocabSize + v], logits[v], 3e-4f);
        }
        // A shared prompt cache plus a sample's own cache gives the same logits as one cache.
        int P = 10;
        var prompt = dec.NewCache(P); var own = dec.NewCache(T - P); var l2 = new float[cfg.VocabSize];
        dec.Prefill(tokens.AsSpan(0, P), prompt, l2);
        for (int t = P; t < T; t++) dec.Step(tokens[t], t, prompt, own, l2);
        for (int v = 0; v < cfg.VocabSize; v++) Assert.Equal(logits[v], l2[v], 1e-5f);
    }

    [Fact]
    public void SampledPassAtK_AgreesWithLikelihoodPassAtK_WithinThreeStandardErrors()
    {
        // At temperature 1, sampling exactly len(answer) tokens, a sample is correct with probability p = e^−nll, so the
        // unbiased sampled pass@k and the exact 1 − (1 − p)^k have the same mean over questions.
        var qs = tiny.World.Questions();
        var lik = Evaluator.Likelihood(tiny.Model, tiny.World.Tokenizer, qs);
        const int n = 64;
        var smp = Evaluator.Sample(tiny.Model, tiny.World.Tokenizer, qs, n, 1.0, seed: 11);
        var p = lik.Select(r => Math.Exp(-r.Nll)).ToArray();
        Assert.True(p.Average() > 0.01, $"the tiny model should have learned something (mean p {p.Average()})");
        foreach (int k in new[] { 1, 8, 64 })
        {
            double sampled = smp.Average(r => PassAtK.Unbiased(r.Samples, r.Correct, k));
            double exact = p.Average(pi => PassAtK.FromProbability(pi, k));
            // Per question the unbiased estimator is a U-statistic of order k whose kernel is "any of k samples correct"
            // (variance q_k(1 − q_k)); Hoeffding's bound gives Var ≤ (k/n)·q_k(1 − q_k), exact at k = 1 and k = n.
            double var = p.Sum(pi => { double q = PassAtK.FromProbability(pi, k); return (double)k / n * q * (1 - q); });
            double se = Math.Sqrt(var) / qs.Count;
            Assert.True(Math.Abs(sampled - exact) <= 3 * se + 1e-12, $"k={k}: sampled {sampled} vs likelihood {exact} (se {se})");
        }
    }

    [Fact]
    public void Training_LowersTheLoss_AndTheAnswerNllOnEveryFamily()
    {
        var h = tiny.Info.LossHistory;
        Assert.True(h[^1][1] < 0.6 * h[0][1], $"loss {h[0][1]} → {h[^1][1]}");
        var qs = tiny.World.Questions();
        var before = Evaluator.Likelihood(tiny.Untrained, tiny.World.Tokenizer, qs);
        var after = Evaluator.Likelihood(tiny.Model, tiny.World.Tokenizer, qs);
        foreach (var fam in SyntheticWorld.Families)
        {
            double b = before.Where(r => r.Question.Family == fam).Average(r => r.Nll), a = after.Where(r => r.Question.Family == fam).Average(r => r.Nll);
            Assert.True(a < b - 1, $"{fam}: mean answer NLL {b} → {a}");
        }
    }

    [Fact]
    public void Training_IsDeterministic_AndAResumedRunEqualsAnUninterruptedOne()
    {
        var cfg = new ModelConfig(tiny.World.Tokenizer.VocabSize, 16, 16, 1, 2);
        var o = new TrainOptions { Tokens = 16 * 4 * 30, Batch = 4, Sequence = 16, Seed = 9, CheckpointSeconds = 0 }; // a checkpoint every step
        string a = Path.Combine(tiny.Dir, "det-a"), b = Path.Combine(tiny.Dir, "det-b"), c = Path.Combine(tiny.Dir, "det-c");
        Trainer.Run(a, cfg, o, 0, tiny.World.Options);
        Trainer.Run(b, cfg, o, 0, tiny.World.Options);
        // "Kill" run c after 12 steps (the cancellation lands after the step-12 checkpoint), then resume it.
        using var cts = new CancellationTokenSource();
        var progress = new Progress12(cts);
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(c, cfg, o, 0, tiny.World.Options, progress, cts.Token));
        var partial = Checkpoint.LoadInfo(c);
        Assert.False(partial.Finished);
        Assert.Equal(12, partial.Step);
        Trainer.Run(c, cfg, o, 0, tiny.World.Options);
        var pa = Checkpoint.Load(a, false).Model.Params; var pb = Checkpoint.Load(b, false).Model.Params; var pc = Checkpoint.Load(c, false).Model.Params;
        Assert.Equal(pa, pb);
        Assert.Equal(pa, pc);
        // A different seed gives a different model.
        Trainer.Run(Path.Combine(tiny.Dir, "det-d"), cfg, o with { Seed = 10 }, 0, tiny.World.Options);
        Assert.NotEqual(pa, Checkpoint.Load(Path.Combine(tiny.Dir, "det-d"), false).Model.Params);
    }

    private sealed class Progress12(CancellationTokenSource cts) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) { if (value.Step == 12) cts.Cancel(); }
    }

    [Fact]
    public void Safetensors_RoundTrips_AndCorruptFilesAreRejected()
    {
        string dir = Path.Combine(tiny.Dir, "st"); Directory.CreateDirectory(dir);
        string f = Path.Combine(dir, "x.safetensors");
        Safetensors.Write(f, [new("a", [2, 3], [1, 2, 3, 4, 5, 6]), new("b", [1], [float.Pi])]);
        var r = Safetensors.Read(f);
        Assert.Equal([1f, 2, 3, 4, 5, 6], r["a"].Data); Assert.Equal([2, 3], r["a"].Shape); Assert.Equal(float.Pi, r["b"].Data[0]);
        var bytes = File.ReadAllBytes(f);
        File.WriteAllBytes(f, bytes[..(bytes.Length - 4)]);                       // truncated data
        Assert.Throws<CheckpointException>(() => Safetensors.Read(f));
        File.WriteAllBytes(f, [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2]);         // absurd header length
        Assert.Throws<CheckpointException>(() => Safetensors.Read(f));
        var broken = (byte[])bytes.Clone(); broken[8] = (byte)'!';                  // header no longer JSON
        File.WriteAllBytes(f, broken);
        Assert.Throws<CheckpointException>(() => Safetensors.Read(f));
    }

    [Fact]
    public void World_IsDeterministic_AndItsTextIsInTheVocabulary()
    {
        var w1 = new SyntheticWorld(5); var w2 = new SyntheticWorld(5);
        for (int i = 0; i < 200; i++) { Assert.Equal(w1.Document(i), w2.Document(i)); w1.Tokenizer.Encode(w1.Document(i)); }
        Assert.Equal(w1.Questions().Select(q => q.Prompt + "|" + q.Answer), w2.Questions().Select(q => q.Prompt + "|" + q.Answer));
        Assert.Equal(400, w1.Questions().Count);
        Assert.Equal(100, w1.Questions().Select(q => q.Prompt).Where(p => p.StartsWith("capital of", StringComparison.Ordinal)).Distinct().Count());
        // Held-out arithmetic pairs and held-out places are never asked in the stream's first 20,000 documents.
        var held = w1.Questions().Where(q => q.Family is "arithmetic" or "spatial").Select(q => q.Prompt).ToHashSet();
        for (int i = 0; i < 20_000; i++) Assert.DoesNotContain(held, s => w1.Document(i).StartsWith(s, StringComparison.Ordinal));
        Assert.Equal(["1", "7", "apples"], Tokenizer.Split("17 apples").ToArray());
    }

    [Fact]
    public void Arithmetic_IsColumnAddition_LeastSignificantDigitFirst()
    {
        var w = new SyntheticWorld(2);
        foreach (var q in w.Questions().Where(q => q.Family == "arithmetic"))
        {
            // "add a0 a1 a2 and b0 b1 b2 :" → digits of a + b, least significant first, one more digit than the operands.
            var parts = q.Prompt["add ".Length..^" :".Length].Split(" and ");
            long Read(string lsb) => long.Parse(string.Concat(lsb.Split(' ').Reverse()));
            long sum = Read(parts[0]) + Read(parts[1]);
            Assert.Equal(sum, Read(q.Answer));
            Assert.Equal(parts[0].Split(' ').Length + 1, q.Answer.Split(' ').Length);
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    public void Arithmetic_WithAShortAddend_IsStillExactAddition_AndItsAnswerSpaceIsEveryPossibleSum(int digits, int addend)
    {
        var w = new SyntheticWorld(3, new WorldOptions { MinDigits = digits, MaxDigits = digits, AddendDigits = addend });
        int e = addend == 0 ? digits : addend;
        long Lo(int n) => n == 1 ? 0 : (long)Math.Pow(10, n - 1);
        // Brute force: the distinct sums of every d-digit and e-digit operand pair.
        var sums = new HashSet<long>();
        for (long a = Lo(digits); a < (long)Math.Pow(10, digits); a++)
            for (long b = Lo(e); b < (long)Math.Pow(10, e); b++) sums.Add(a + b);
        long Read(string lsb) => long.Parse(string.Concat(lsb.Split(' ').Reverse()));
        var qs = w.Questions().Where(q => q.Family == "arithmetic").ToList();
        Assert.NotEmpty(qs);
        foreach (var q in qs)
        {
            var parts = q.Prompt["add ".Length..^" :".Length].Split(" and ");
            Assert.Equal(digits, parts[0].Split(' ').Length);
            Assert.Equal(e, parts[1].Split(' ').Length);
            Assert.Equal(Read(parts[0]) + Read(parts[1]), Read(q.Answer));
            Assert.Equal(digits + 1, q.Answer.Split(' ').Length);
            Assert.Equal(sums.Count, q.AnswerSpace);
        }
        if (digits == 4 && addend == 2) Assert.True(SyntheticWorld.GuessFloor(qs, 54) < 0.01); // 9,089 sums: 0.59 %
    }

    [Theory]
    [InlineData(2, 2, 2)]
    [InlineData(2, 3, 2)]
    [InlineData(1, 2, 3)]
    public void Arithmetic_WithSeveralSums_AsksEachExactly_AndItsAnswerSpaceIsTheProductOfTheParts(int min, int max, int sums)
    {
        var w = new SyntheticWorld(5, new WorldOptions { MinDigits = min, MaxDigits = max, Sums = sums });
        long Lo(int n) => n == 1 ? 0 : (long)Math.Pow(10, n - 1);
        // Brute force per digit count: the distinct sums of every pair of d-digit operands.
        var spaces = Enumerable.Range(min, max - min + 1).ToDictionary(d => d, d =>
        {
            var set = new HashSet<long>();
            for (long a = Lo(d); a < (long)Math.Pow(10, d); a++) for (long b = Lo(d); b < (long)Math.Pow(10, d); b++) set.Add(a + b);
            return (double)set.Count;
        });
        long Read(string lsb) => long.Parse(string.Concat(lsb.Split(' ').Reverse()));
        var qs = w.Questions().Where(q => q.Family == "arithmetic").ToList();
        var stream = Enumerable.Range(0, 400).Select(i => w.Document(i)).Where(t => t.StartsWith("add ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(stream);
        var trained = new HashSet<(long, long)>();
        foreach (var text in stream)
        {
            var parts = text["add ".Length..text.IndexOf(" :", StringComparison.Ordinal)].Split(" , ");
            Assert.Equal(sums, parts.Length);
            foreach (var part in parts) { var ab = part.Split(" and "); trained.Add((Read(ab[0]), Read(ab[1]))); }
        }
        foreach (var q in qs)
        {
            var parts = q.Prompt["add ".Length..^" :".Length].Split(" , ");
            var answers = q.Answer.Split(" , ");
            Assert.Equal(sums, parts.Length);
            Assert.Equal(sums, answers.Length);
            double space = 1;
            for (int j = 0; j < sums; j++)
            {
                var ab = parts[j].Split(" and ");
                int d = ab[0].Split(' ').Length;
                Assert.Equal(d, ab[1].Split(' ').Length);
                Assert.Equal(Read(ab[0]) + Read(ab[1]), Read(answers[j]));
                Assert.Equal(d + 1, answers[j].Split(' ').Length);
                Assert.DoesNotContain((Read(ab[0]), Read(ab[1])), trained); // every part of a question is held out
                space *= spaces[d];
            }
            Assert.Equal(space, q.AnswerSpace);
        }
        // Two 2-digit sums: 179² answers, so even 54 guesses stay under 1 % (one sum: 179 answers, 26 %).
        if (min == 2 && max == 2) Assert.Equal(1 - Math.Pow(1 - 1 / (179.0 * 179.0), 54), SyntheticWorld.GuessFloor(qs, 54), 12);
    }

    [Fact]
    public void SpatialInContext_AnswersArePathsThroughTheStatedChain_AndTheStreamTeachesShorterChains()
    {
        var w = new SyntheticWorld(2, new WorldOptions { SpatialInContext = true, MinHops = 2, MaxHops = 3, Distractors = 2 });
        var qs = w.Questions().Where(q => q.Family == "spatial").ToList();
        Assert.NotEmpty(qs);
        foreach (var q in qs)
        {
            int at = q.Prompt.LastIndexOf(" where ", StringComparison.Ordinal);
            // Statements "x in y ." → a map; the answer is the path outwards from the asked object, every hop stated.
            var contains = q.Prompt[..at].Split(" .", StringSplitOptions.RemoveEmptyEntries)
                .Select(st => st.Trim().Split(" in ")).ToDictionary(xy => xy[0], xy => xy[1]);
            var path = new List<string>();
            for (string o = q.Prompt[(at + " where ".Length)..]; contains.TryGetValue(o, out var c); o = c) path.Add(c);
            Assert.Equal(string.Join(' ', path), q.Answer);
            Assert.InRange(path.Count, 2, 3);
            Assert.True(contains.Count > path.Count); // distractor chains are stated too
            double space = 1; for (int h = 0; h < path.Count; h++) space *= SyntheticWorld.ObjectCount - 1 - h;
            Assert.Equal(space, q.AnswerSpace);
        }
        var hops = Enumerable.Range(0, 2000).Select(i => w.Document(i)).Where(t => t.Contains(" where ", StringComparison.Ordinal))
            .Select(t => t[(t.LastIndexOf(" where ", StringComparison.Ordinal) + 7)..].Split(' ').Length - 2).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 2, 3 }, hops); // object, path, "." → hops = words − 2
    }

    [Fact]
    public void GuessFloor_IsTheClosedForm_AndStaysSmallForMultiTokenAnswers()
    {
        var w = new SyntheticWorld(0);
        var know = w.Questions().Where(q => q.Family == "knowledge").ToList();
        // 32 syllables, 3 per answer: a uniform guess is right with probability 32^-3; k guesses: 1 − (1 − 32^-3)^k.
        Assert.Equal(1 - Math.Pow(1 - Math.Pow(32, -3), 50), SyntheticWorld.GuessFloor(know, 50), 12);
        foreach (var fam in new[] { "knowledge", "analogy", "spatial" })
            Assert.True(SyntheticWorld.GuessFloor(w.Questions().Where(q => q.Family == fam), 100) < 0.01, fam);
    }

    [Fact]
    public void WorldOptions_RejectImpossibleDials()
    {
        Assert.NotNull(new WorldOptions { MinDigits = 3, MaxDigits = 2 }.Problem());
        Assert.NotNull(new WorldOptions { AddendDigits = -1 }.Problem());
        Assert.NotNull(new WorldOptions { AddendDigits = 10 }.Problem());
        Assert.NotNull(new WorldOptions { Sums = 0 }.Problem());
        Assert.NotNull(new WorldOptions { Sums = 5 }.Problem());
        Assert.NotNull(new WorldOptions { Syllables = 100 }.Problem());
        Assert.NotNull(new WorldOptions { Places = 8, MaxHops = 3 }.Problem());
        Assert.Null(new WorldOptions().Problem());
        Assert.Throws<ArgumentException>(() => new SyntheticWorld(0, new WorldOptions { Entities = 1 }));
    }
}
