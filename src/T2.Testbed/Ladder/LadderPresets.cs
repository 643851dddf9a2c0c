using T2.Testbed.World;

namespace T2.Testbed.Ladder;

/// <summary>
/// The two built-in ladders. Training time is close to C / 1.4e10 s per run on this machine whatever the size (6·N·tokens/s
/// measured at 1.2–1.6e10 FLOP/s from d32 to d96), so a preset's cost is the sum of its budgets: quick ≈ 3.5e12 FLOPs
/// (for the demo and CI), full ≈ 3.7e13, 8 budgets over 2 decades. Measured durations: docs/paper-experiment.md.
/// </summary>
public static class LadderPresets
{
    public static readonly string[] Names = ["quick", "full"];

    private static Shape S(int d, int l) => new(d, l, Math.Max(1, d / 16));

    /// <summary>Widths that are multiples of 16 (the fast kernels' block) with 1–4 blocks: a dense ladder of sizes.</summary>
    private static readonly List<Shape> AllShapes =
    [
        S(16, 1), S(16, 2), S(32, 1), S(32, 2), S(32, 3), S(48, 1), S(48, 2), S(48, 3), S(64, 2), S(64, 3), S(64, 4),
        S(96, 2), S(96, 3), S(96, 4), S(128, 3), S(128, 4),
    ];

    /// <summary>
    /// Arithmetic asks two 2-digit sums at once: each part is the sum these models learn (one layout, so every answer digit
    /// sits at a fixed distance from its operands), and the pair's 179² answers keep the guessing floor under 0.2 % at the
    /// full preset's largest k (one sum of 2–3 digits: 15 %; two sums of 2–3 digits, four layouts, were not learned).
    /// </summary>
    private static readonly WorldOptions World = new()
    {
        Syllables = 32, Entities = 240, ZipfExponent = 1.0, AnswerSyllables = 3, MinDigits = 2, MaxDigits = 2, Sums = 2, Roles = 60,
        MinHops = 2, MaxHops = 3, Places = 160, QuestionsPerFamily = 100,
    };

    public static LadderSpec Quick => new()
    {
        Name = "quick",
        World = World,
        Shapes = AllShapes,
        Budgets = [3e10, 1e11, 3e11],
        Isoflop = new IsoFlopRule { MinTokensPerParam = 2, MaxTokensPerParam = 300, MinSizes = 5 },
        Overtrained = [new(S(16, 1), 400), new(S(16, 2), 300), new(S(32, 1), 150)],
        Eval = new LadderEval { SampleN = 32, Temperature = 1.0 },
        Seeds = [1],
    };

    /// <summary>
    /// 8 budgets over 2 decades (2e10–2e12), isoFLOP spreads of 5–7 shapes at 2–100 tokens per parameter, and 10 overtrained
    /// runs at 250–2,000 tokens per parameter that each cost no more than the largest budget (so Table 1 compares them with
    /// the loss-optimal run at a training budget they do not exceed).
    /// </summary>
    public static LadderSpec Full => new()
    {
        Name = "full",
        World = World,
        Shapes = AllShapes,
        Budgets = [2e10, 3.86e10, 7.46e10, 1.44e11, 2.78e11, 5.37e11, 1.04e12, 2e12],
        Isoflop = new IsoFlopRule { MinTokensPerParam = 2, MaxTokensPerParam = 100, MinSizes = 5 },
        Overtrained =
        [
            new(S(16, 1), 500), new(S(16, 1), 1000), new(S(16, 1), 2000), new(S(16, 2), 800), new(S(16, 2), 1500),
            new(S(32, 1), 400), new(S(32, 1), 600), new(S(32, 1), 800), new(S(32, 2), 300), new(S(16, 2), 400),
        ],
        Eval = new LadderEval { SampleN = 32, Temperature = 1.0 },
        Seeds = [1],
    };

    public static LadderSpec? Named(string name) => name switch { "quick" => Quick, "full" => Full, _ => null };
}
