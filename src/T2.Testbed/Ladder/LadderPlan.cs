using System.Globalization;
using T2.Testbed.Model;
using T2.Testbed.World;

namespace T2.Testbed.Ladder;

public enum RunKind { IsoFlop, Overtrained, Extra, Repeated }

/// <summary>
/// One point of the ladder. <see cref="N"/> counts every parameter, the tied embedding (which is the output head) and the
/// position table included, because the training FLOPs C = 6·N·D count the head's matmul too: at this scale the head is
/// most of the model, and leaving it out of N (as large-model papers may) would misstate C several-fold.
/// </summary>
public sealed record LadderPoint(string Id, RunKind Kind, string Label, Shape Shape, int Seed, long N, long NNonEmbedding,
    long Tokens, double Budget)
{
    public double TokensPerParam => (double)Tokens / N;
    public double Flops => 6.0 * N * Tokens;
    /// <summary>Unique tokens of a repeated-data run's corpus (0: unlimited, every token fresh).</summary>
    public long UniqueTokens { get; init; }
    public static string KindName(RunKind k) => k switch
    {
        RunKind.IsoFlop => "isoflop", RunKind.Overtrained => "overtrained", RunKind.Repeated => "repeated", _ => "extra",
    };
}

/// <summary>The spec expanded into its runs, in a fixed order (the evidence is written in this order).</summary>
public sealed record LadderPlan(IReadOnlyList<LadderPoint> Runs, int VocabSize)
{
    public static ModelConfig Config(LadderSpec spec, int vocab, Shape s) => new(vocab, spec.Train.Sequence, s.DModel, s.Layers, s.Heads);

    public static LadderPlan Expand(LadderSpec spec)
    {
        int vocab = new SyntheticWorld(spec.WorldSeed, spec.World).Tokenizer.VocabSize;
        long Params(Shape s, out long nonEmb) { var l = new ParameterLayout(Config(spec, vocab, s)); nonEmb = l.NonEmbeddingCount; return l.Count; }
        long minTokens = (long)spec.Train.Batch * spec.Train.Sequence; // one step
        var runs = new List<LadderPoint>();
        foreach (int seed in spec.Seeds)
        {
            foreach (double c in spec.Budgets)
                foreach (var s in spec.Shapes.OrderBy(s => Params(s, out _)))
                {
                    long n = Params(s, out long ne);
                    double tpp = c / (6.0 * n * n);
                    if (tpp < spec.Isoflop.MinTokensPerParam || tpp > spec.Isoflop.MaxTokensPerParam) continue;
                    long d = Math.Max(minTokens, (long)Math.Round(c / (6.0 * n)));
                    runs.Add(new($"c{Sci(c)}-{s.Name}-s{seed}", RunKind.IsoFlop, "", s, seed, n, ne, d, c));
                }
            foreach (var o in spec.Overtrained)
            {
                long n = Params(o.Shape, out long ne);
                long d = Math.Max(minTokens, (long)Math.Round(o.TokensPerParam * n));
                runs.Add(new($"ot{o.TokensPerParam.ToString("0.##", CultureInfo.InvariantCulture)}-{o.Shape.Name}-s{seed}", RunKind.Overtrained, "", o.Shape, seed, n, ne, d, 6.0 * n * d));
            }
        }
        // Extra points (a plan's models) are trained with every seed of extra_seeds, for RQ1's seed spread (or their own).
        foreach (var x in spec.Extra)
            foreach (int seed in x.Seeds ?? spec.ExtraSeeds)
            {
                long n = Params(x.Shape, out long ne);
                long d = Math.Max(minTokens, x.Tokens);
                runs.Add(new($"x-{x.Label}-{x.Shape.Name}-s{seed}", RunKind.Extra, x.Label, x.Shape, seed, n, ne, d, 6.0 * n * d));
            }
        foreach (var x in spec.Repeated ?? [])
            foreach (int seed in spec.Seeds)
            {
                long n = Params(x.Shape, out long ne);
                long d = Math.Max(minTokens, x.Tokens);
                runs.Add(new($"rep-{x.Label}-{x.Shape.Name}-s{seed}", RunKind.Repeated, x.Label, x.Shape, seed, n, ne, d, 6.0 * n * d) { UniqueTokens = x.UniqueTokens });
            }
        var dup = runs.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new LadderSpecException("spec", "overtrained/extra", $"run {dup.Key} is listed twice");
        return new LadderPlan(runs, vocab);
    }

    /// <summary>The shape among <paramref name="shapes"/> whose total N is nearest <paramref name="n"/> in log (planned models).</summary>
    public static Shape Nearest(LadderSpec spec, IEnumerable<Shape> shapes, double n)
    {
        int vocab = new SyntheticWorld(spec.WorldSeed, spec.World).Tokenizer.VocabSize;
        return shapes.MinBy(s => Math.Abs(Math.Log(new ParameterLayout(Config(spec, vocab, s)).Count / n)))!;
    }

    public static long ParamsOf(LadderSpec spec, Shape s)
    {
        int vocab = new SyntheticWorld(spec.WorldSeed, spec.World).Tokenizer.VocabSize;
        return new ParameterLayout(Config(spec, vocab, s)).Count;
    }

    public static string Sci(double v) => v.ToString("0.0#e0", CultureInfo.InvariantCulture);
}
