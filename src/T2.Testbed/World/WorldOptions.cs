namespace T2.Testbed.World;

/// <summary>
/// Difficulty dials of the synthetic world (testbed.md: per-question success p must spread over orders of magnitude, and
/// guessing must stay negligible). Every answer is several tokens drawn from a large space, so a uniform guess is rare;
/// <see cref="GuessFloor"/> states the floor per family.
/// </summary>
public sealed record WorldOptions
{
    /// <summary>Syllable tokens from which invented names are spelled (at most <see cref="SyntheticWorld.MaxSyllables"/>).</summary>
    public int Syllables { get; set; } = 32;

    /// <summary>Knowledge recall: invented entities with one capital each.</summary>
    public int Entities { get; set; } = 240;
    /// <summary>Zipf exponent of fact frequency: fact i appears with weight 1/(i+1)^s, so rare facts need more data or capacity.</summary>
    public double ZipfExponent { get; set; } = 1.0;
    /// <summary>Syllables per answer name (capitals, analogy objects): the answer space is Syllables^AnswerSyllables.</summary>
    public int AnswerSyllables { get; set; } = 3;

    /// <summary>Arithmetic: column addition of two numbers of MinDigits..MaxDigits digits, written least significant digit first.</summary>
    public int MinDigits { get; set; } = 2;
    public int MaxDigits { get; set; } = 4;
    /// <summary>
    /// Digits of the second operand (0: as many as the first). A short addend keeps the work — the columns to add and the
    /// carry to propagate — while the long operand's copied digits make the answer space large: 4-digit + 2-digit sums
    /// take 9,089 values, so 54 uniform guesses include the answer 0.6 % of the time (2-digit + 2-digit: 179 values, 26 %).
    /// </summary>
    public int AddendDigits { get; init; }
    /// <summary>
    /// Independent additions asked in one question ("add 4 7 and 9 1 , 3 2 and 5 8 :"), all to be right: the answer space
    /// is the product of the parts', so two 2-digit sums take 179² = 32,041 answers (54 uniform guesses: 0.17 %) while
    /// each part stays the short sum these models learn (1, the default: one sum).
    /// </summary>
    public int Sums { get; set; } = 1;

    /// <summary>Analogy: invented roles, each with a tool and a home; an analogy's example pair says which relation is asked.</summary>
    public int Roles { get; set; } = 60;

    /// <summary>
    /// Spatial: questions ask the whole containment path of an object MinHops..MaxHops levels deep. By default over a fixed
    /// map of <see cref="Places"/> invented places learned from the stream ("ve lor in ka mo ."; Zipf-frequent facts);
    /// with <see cref="SpatialInContext"/>, over fresh chains stated in the prompt, shuffled among distractor chains.
    /// </summary>
    public int MinHops { get; set; } = 2;
    public int MaxHops { get; set; } = 3;
    public int Distractors { get; set; } = 2;
    public int Places { get; set; } = 160;
    public bool SpatialInContext { get; init; }

    /// <summary>Fraction of documents that are filler text.</summary>
    public double FillerFraction { get; set; } = 0.1;
    public int QuestionsPerFamily { get; set; } = 100;

    /// <summary>The first field that makes no world, named as in the ladder spec, with the reason; null when all is well.</summary>
    public string? Problem()
    {
        if (Syllables < 4 || Syllables > SyntheticWorld.MaxSyllables) return $"syllables: {Syllables} must lie in [4, {SyntheticWorld.MaxSyllables}]";
        if (AnswerSyllables < 1 || AnswerSyllables > 6) return $"answer_syllables: {AnswerSyllables} must lie in [1, 6]";
        if (Entities < 2 || Entities > 100_000) return $"entities: {Entities} must lie in [2, 100000]";
        if (Roles < 2 || Roles > 10_000) return $"roles: {Roles} must lie in [2, 10000]";
        // Names are drawn at random without repeats; keep them under half the space so drawing stays quick.
        if (Places < 2 || Places > 100_000) return $"places: {Places} must lie in [2, 100000]";
        if (Entities + Roles + Places > 0.5 * Syllables * Syllables)
            return $"entities/roles/places: {Entities + Roles + Places} names need more two-syllable names than {Syllables} syllables spell";
        if (Entities + 2.0 * Roles > 0.5 * Math.Pow(Syllables, AnswerSyllables))
            return $"answer_syllables: {Entities + 2 * Roles} answer names need more than {Syllables}^{AnswerSyllables} spellings";
        if (!(ZipfExponent >= 0 && ZipfExponent <= 4)) return $"zipf_exponent: {ZipfExponent} must lie in [0, 4]";
        if (MinDigits < 1 || MaxDigits < MinDigits || MaxDigits > 9) return $"min_digits/max_digits: need 1 ≤ {MinDigits} ≤ {MaxDigits} ≤ 9";
        if (AddendDigits < 0 || AddendDigits > 9) return $"addend_digits: {AddendDigits} must lie in [0, 9] (0: as many as the first operand)";
        if (Sums < 1 || Sums > 4) return $"sums: {Sums} must lie in [1, 4]";
        if (MinHops < 1 || MaxHops < MinHops || MaxHops > 8) return $"min_hops/max_hops: need 1 ≤ {MinHops} ≤ {MaxHops} ≤ 8";
        if (Distractors < 0 || Distractors > 8) return $"distractors: {Distractors} must lie in [0, 8]";
        if (SpatialInContext && MaxHops + 1 + Distractors * 2 > SyntheticWorld.ObjectCount) return $"max_hops/distractors: chains need more than {SyntheticWorld.ObjectCount} objects";
        if (!SpatialInContext && Places < 4 * (MaxHops + 1)) return $"places: {Places} places cannot hold maps {MaxHops} levels deep (need ≥ {4 * (MaxHops + 1)})";
        if (!(FillerFraction >= 0 && FillerFraction < 1)) return $"filler_fraction: {FillerFraction} must lie in [0, 1)";
        if (QuestionsPerFamily < 1 || QuestionsPerFamily > 100_000) return $"questions_per_family: {QuestionsPerFamily} must lie in [1, 100000]";
        return null;
    }
}
