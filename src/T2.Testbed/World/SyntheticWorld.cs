namespace T2.Testbed.World;

/// <summary>Difficulty knobs of the synthetic world (see testbed.md: p must spread over orders of magnitude).</summary>
public sealed record WorldOptions
{
    /// <summary>Invented entities with one fact each (knowledge recall).</summary>
    public int Entities { get; init; } = 120;
    /// <summary>Zipf exponent of fact frequency: fact i appears with weight 1/(i+1)^s, so rare facts need more data.</summary>
    public double ZipfExponent { get; init; } = 1.1;
    /// <summary>Largest operand in arithmetic problems.</summary>
    public int MaxOperand { get; init; } = 60;
    /// <summary>Containment chains have this many hops at most (at least 2).</summary>
    public int MaxHops { get; init; } = 4;
    /// <summary>Fraction of documents that are filler text.</summary>
    public double FillerFraction { get; init; } = 0.15;
    public int QuestionsPerFamily { get; init; } = 100;
}

/// <summary>A held-out question: the prompt, the gold answer, its family.</summary>
public sealed record Question(string Id, string Family, string Prompt, string Answer);

/// <summary>
/// The seeded synthetic world of testbed.md: knowledge recall (Zipf-frequency facts about invented entities), multi-step
/// arithmetic and number patterns, relational analogies from a fixed role table, spatial containment chains, and filler.
/// Documents are drawn from an RNG seeded by (world seed, document index), so the pretraining stream is endless, never
/// repeats a draw, and can be regenerated from any position (runs resume exactly).
/// </summary>
public sealed class SyntheticWorld
{
    public static readonly string[] Families = ["knowledge", "arithmetic", "analogy", "spatial"];

    private static readonly string[] Syllables = ["ve", "lor", "tam", "sin", "ka", "rith", "mo", "dun", "sel", "ira", "bo", "thar", "ne", "quil", "zan", "pe", "ros", "lum", "ga", "vex"];
    private static readonly (string Role, string Verb, string Object)[] Relations =
    [
        ("teacher", "guides", "student"), ("coach", "trains", "player"), ("doctor", "treats", "patient"), ("pilot", "flies", "plane"),
        ("farmer", "grows", "wheat"), ("baker", "bakes", "bread"), ("writer", "writes", "book"), ("painter", "paints", "picture"),
        ("sailor", "sails", "ship"), ("judge", "hears", "case"), ("chef", "cooks", "meal"), ("singer", "sings", "song"),
        ("miner", "digs", "coal"), ("tailor", "sews", "coat"), ("driver", "drives", "truck"), ("guard", "watches", "gate"),
        ("hunter", "tracks", "deer"), ("nurse", "helps", "patient"), ("builder", "builds", "house"), ("fisher", "catches", "fish"),
        ("smith", "forges", "sword"), ("gardener", "waters", "rose"), ("shepherd", "herds", "sheep"), ("poet", "recites", "poem"),
    ];
    private static readonly string[] Objects =
    [
        "key", "box", "shed", "coin", "bag", "room", "ring", "cup", "chest", "house", "book", "drawer", "desk", "attic", "shell", "jar",
        "basket", "barn", "stone", "pouch", "cart", "letter", "crate", "tent", "pearl", "vase", "cellar", "map", "tube", "hall",
    ];
    private static readonly string[] Things = ["shells", "apples", "stones", "coins", "books", "cards"];
    private static readonly string[] FillerWords =
    [
        "the", "weather", "is", "mild", "today", "a", "river", "runs", "through", "valley", "people", "walk", "along", "road", "morning",
        "evening", "light", "wind", "cold", "warm", "quiet", "town", "market", "opens", "early", "children", "play", "near", "old", "bridge",
        "rain", "falls", "on", "hills", "birds", "sing", "in", "trees", "and",
    ];

    private readonly int _seed;
    private readonly string[] _entities;
    private readonly string[] _capitals;
    private readonly double[] _zipfCdf;

    public WorldOptions Options { get; }
    public Tokenizer Tokenizer { get; }

    public SyntheticWorld(int seed, WorldOptions? options = null)
    {
        _seed = seed;
        Options = options ?? new WorldOptions();
        if (Options.Entities < 2 || Options.MaxOperand < 2 || Options.MaxHops < 2) throw new ArgumentException("World options: Entities, MaxOperand ≥ 2 and MaxHops ≥ 2.");
        var rng = new Random(seed);
        // Invented two- or three-syllable names, distinct, fixed for the world.
        var names = new HashSet<string>();
        while (names.Count < 2 * Options.Entities)
        {
            int parts = rng.Next(2, 4);
            names.Add(string.Concat(Enumerable.Range(0, parts).Select(_ => Syllables[rng.Next(Syllables.Length)])));
        }
        var all = names.ToArray();
        _entities = all[..Options.Entities];
        _capitals = all[Options.Entities..];
        double z = 0; _zipfCdf = new double[Options.Entities];
        for (int i = 0; i < Options.Entities; i++) { z += Math.Pow(i + 1, -Options.ZipfExponent); _zipfCdf[i] = z; }
        for (int i = 0; i < _zipfCdf.Length; i++) _zipfCdf[i] /= z;
        var words = new List<string> { "the", "capital", "of", "is", "i", "have", "give", "away", "get", "more", "now", "after", "comes", "a", "so", "in", "plus", "minus", "equals" };
        words.AddRange(_entities); words.AddRange(_capitals); words.AddRange(Things); words.AddRange(Objects); words.AddRange(FillerWords);
        foreach (var (r, v, o) in Relations) { words.Add(r); words.Add(v); words.Add(o); }
        Tokenizer = new Tokenizer(words);
    }

    /// <summary>Document <paramref name="index"/> of the endless pretraining stream (deterministic).</summary>
    public string Document(long index)
    {
        var rng = new Random(Mix(_seed, index, 0x5eed));
        if (rng.NextDouble() < Options.FillerFraction) return Filler(rng);
        return (index % 4) switch
        {
            0 => Fact(SampleZipf(rng)),
            1 => rng.Next(2) == 0 ? WordProblem(rng, heldOut: false).Text : Pattern(rng, heldOut: false).Text,
            2 => AnalogyText(rng, out _),
            _ => Containment(rng, out _, out _),
        };
    }

    /// <summary>A deterministic seed from (seed, index, salt): SplitMix64 (HashCode.Combine is randomised per process).</summary>
    public static int Mix(long seed, long index, long salt)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xBF58476D1CE4E5B9UL ^ (ulong)salt * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    private int SampleZipf(Random rng)
    {
        double u = rng.NextDouble();
        int i = Array.BinarySearch(_zipfCdf, u);
        return Math.Min(i < 0 ? ~i : i, _zipfCdf.Length - 1);
    }

    private string Fact(int i) => $"the capital of {_entities[i]} is {_capitals[i]} .";

    // Held-out arithmetic uses operand pairs with (a·31 + b) % 5 == 0; training text never contains those pairs.
    private static bool IsHeldOut(int a, int b) => (a * 31 + b) % 5 == 0;

    private (string Text, string Prompt, string Answer) WordProblem(Random rng, bool heldOut)
    {
        while (true)
        {
            int a = rng.Next(2, Options.MaxOperand + 1), b = rng.Next(1, a);
            if (IsHeldOut(a, b) != heldOut) continue;
            string thing = Things[rng.Next(Things.Length)];
            bool add = rng.Next(2) == 0;
            string prompt = add
                ? $"i have {a} {thing} . i get {b} more . now i have"
                : $"i have {a} {thing} . i give away {b} . now i have";
            string answer = (add ? a + b : a - b).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ($"{prompt} {answer} {thing} .", prompt, answer);
        }
    }

    private (string Text, string Prompt, string Answer) Pattern(Random rng, bool heldOut)
    {
        while (true)
        {
            int start = rng.Next(1, Options.MaxOperand), step = rng.Next(2, 10);
            if (IsHeldOut(start, step) != heldOut) continue;
            var seq = Enumerable.Range(0, 4).Select(i => start + i * step).ToArray();
            string prompt = $"{seq[0]} , {seq[1]} , {seq[2]} , after {seq[2]} comes";
            return ($"{prompt} {seq[3]} .", prompt, seq[3].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string AnalogyText(Random rng, out (string Prompt, string Answer) q)
    {
        int i = rng.Next(Relations.Length), j;
        do j = rng.Next(Relations.Length); while (j == i);
        var (r1, v1, o1) = Relations[i]; var (r2, v2, o2) = Relations[j];
        string prompt = $"a {r1} {v1} a {o1} . a {r2} {v2} a";
        q = (prompt, o2);
        return $"{prompt} {o2} .";
    }

    private string Containment(Random rng, out string prompt, out string answer)
    {
        int hops = rng.Next(2, Options.MaxHops + 1);
        var chain = Objects.OrderBy(_ => rng.Next()).Take(hops + 1).ToArray();
        var parts = new List<string>();
        for (int h = 0; h < hops; h++) parts.Add($"the {chain[h]} is in the {chain[h + 1]} .");
        prompt = string.Join(' ', parts) + $" so the {chain[0]} is in the";
        answer = chain[hops];
        return $"{prompt} {answer} .";
    }

    private static string Filler(Random rng)
    {
        int n = rng.Next(6, 14);
        return string.Join(' ', Enumerable.Range(0, n).Select(_ => FillerWords[rng.Next(FillerWords.Length)])) + " .";
    }

    /// <summary>The held-out question sets, <see cref="WorldOptions.QuestionsPerFamily"/> per family, from a seed of their own.</summary>
    public IReadOnlyList<Question> Questions()
    {
        var rng = new Random(Mix(_seed, 0, 0x9e57));
        var qs = new List<Question>();
        int m = Options.QuestionsPerFamily;
        // Knowledge: distinct entities spread evenly over the Zipf ranks (frequent to rare); every fact is in the corpus.
        for (int i = 0; i < m; i++)
        {
            int e = (int)((long)i * Options.Entities / m) % Options.Entities;
            qs.Add(new($"knowledge-{i:D3}", "knowledge", $"the capital of {_entities[e]} is", _capitals[e]));
        }
        for (int i = 0; i < m; i++)
        {
            var (_, p, a) = i % 2 == 0 ? WordProblem(rng, heldOut: true) : Pattern(rng, heldOut: true);
            qs.Add(new($"arithmetic-{i:D3}", "arithmetic", p, a));
        }
        for (int i = 0; i < m; i++) { AnalogyText(rng, out var q); qs.Add(new($"analogy-{i:D3}", "analogy", q.Prompt, q.Answer)); }
        for (int i = 0; i < m; i++) { Containment(rng, out var p, out var a); qs.Add(new($"spatial-{i:D3}", "spatial", p, a)); }
        return qs;
    }
}
