using System.Globalization;
using System.Text;

namespace T2.Testbed.World;

/// <summary>
/// A held-out question: the prompt, the gold answer (several tokens), its family, and the number of answers a uniform guess
/// of the answer's form chooses among (so the guessing floor at k samples is 1 − (1 − 1/AnswerSpace)^k).
/// </summary>
public sealed record Question(string Id, string Family, string Prompt, string Answer, double AnswerSpace = double.PositiveInfinity);

/// <summary>
/// The seeded synthetic world of testbed.md, four graded families whose answers are multi-token and drawn from large spaces:
/// <list type="bullet">
/// <item>knowledge — "capital of ve lor is ka rith mo ." for invented entities, fact frequency Zipf-distributed (rare
///   facts need more data or capacity); questions spread evenly over the frequency ranks.</item>
/// <item>arithmetic — column addition written least significant digit first ("add 4 7 2 and 9 1 0 : 3 9 2 0 ." is 274 + 19
///   = 293), the order in which a left-to-right model can carry; difficulty grows with digits and with the number of sums
///   asked at once (<see cref="WorldOptions.Sums"/>); held-out operand pairs never occur in the stream.</item>
/// <item>analogy — every role has a tool and a home ("ro le uses ka mo ne ."); "r1 : x1 as r2 :" asks r2's tool or home,
///   whichever x1 is of r1, so the model must recognise the relation from the example; held-out role pairs.</item>
/// <item>spatial — the whole containment path outwards of a place in a fixed map learned from Zipf-frequent facts ("where
///   ros dra ?" → "dun zan ne ka"); held-out places are never asked in the stream, so their paths are composed from the
///   facts. With <see cref="WorldOptions.SpatialInContext"/>: fresh chains stated in the prompt, shuffled among distractor
///   chains ("… where key" → "box shed barn"; in-context reasoning, not memory — not learned at this testbed's budgets).</item>
/// </list>
/// Documents are drawn from an RNG seeded by (world seed, document index): the stream is endless, never repeats a draw, and
/// can be regenerated from any position (runs resume exactly).
/// </summary>
public sealed class SyntheticWorld
{
    public static readonly string[] Families = ["knowledge", "arithmetic", "analogy", "spatial"];

    private static readonly string[] SyllableList =
    [
        "ve", "lor", "tam", "sin", "ka", "rith", "mo", "dun", "sel", "ira", "bo", "thar", "ne", "quil", "zan", "pe",
        "ros", "lum", "ga", "vex", "ti", "mar", "oth", "cu", "fen", "dra", "ul", "sa", "wix", "ber", "no", "ja",
        "kel", "pha", "tor", "yen", "gri", "esh", "vo", "lin",
    ];
    public static int MaxSyllables => SyllableList.Length;

    private static readonly string[] Objects =
    [
        "key", "box", "shed", "coin", "bag", "room", "ring", "cup", "chest", "house", "book", "drawer", "desk", "attic", "shell", "jar",
        "basket", "barn", "stone", "pouch", "cart", "letter", "crate", "tent", "pearl", "vase", "cellar", "map", "tube", "hall",
        "sack", "bowl", "tin", "case", "trunk", "closet", "cabin", "hut", "wagon", "boat", "bucket", "pot", "safe", "vault",
        "locker", "cave", "tower", "garage",
    ];
    public static int ObjectCount => Objects.Length;

    private static readonly string[] FillerWords =
    [
        "the", "weather", "is", "mild", "today", "a", "river", "runs", "through", "valley", "people", "walk", "along", "road", "morning",
        "evening", "light", "wind", "cold", "warm", "quiet", "town", "market", "opens", "early", "children", "play", "near", "old", "bridge",
        "rain", "falls", "on", "hills", "birds", "sing", "in", "trees", "and",
    ];
    private static readonly string[] FunctionWords = ["capital", "of", "is", "add", "and", "uses", "lives", "in", "as", "where"];

    private readonly int _seed;
    private readonly string[] _syllables;
    private readonly string[] _entities, _capitals, _roles, _tools, _homes;
    private readonly double[] _entityCdf, _roleCdf, _placeCdf;
    private readonly string[] _places;
    private readonly int[] _container, _level, _placeByRank; // container index (−1 for a root), depth, Zipf rank → place

    public WorldOptions Options { get; }
    public Tokenizer Tokenizer { get; }

    public SyntheticWorld(int seed, WorldOptions? options = null)
    {
        _seed = seed;
        Options = options ?? new WorldOptions();
        if (Options.Problem() is { } problem) throw new ArgumentException($"world: {problem}.");
        var o = Options;
        _syllables = SyllableList[..o.Syllables];
        var rng = new Random(seed);
        var shortNames = DistinctNames(rng, o.Entities + o.Roles + o.Places, 2);
        var longNames = DistinctNames(rng, o.Entities + 2 * o.Roles, o.AnswerSyllables, exclude: shortNames);
        _entities = shortNames[..o.Entities]; _roles = shortNames[o.Entities..(o.Entities + o.Roles)]; _places = shortNames[(o.Entities + o.Roles)..];
        // The map: places on levels 0..MaxHops (level 0 are roots); each place below level 0 lies in a random place one level up.
        _level = new int[o.Places]; _container = new int[o.Places];
        for (int i = 0; i < o.Places; i++) _level[i] = i % (o.MaxHops + 1);
        var byLevel = Enumerable.Range(0, o.MaxHops + 1).Select(l => Enumerable.Range(0, o.Places).Where(i => _level[i] == l).ToArray()).ToArray();
        for (int i = 0; i < o.Places; i++) _container[i] = _level[i] == 0 ? -1 : byLevel[_level[i] - 1][rng.Next(byLevel[_level[i] - 1].Length)];
        _placeByRank = Enumerable.Range(0, o.Places).OrderBy(_ => rng.Next()).ToArray();
        _placeCdf = ZipfCdf(o.Places, o.ZipfExponent);
        _capitals = longNames[..o.Entities]; _tools = longNames[o.Entities..(o.Entities + o.Roles)]; _homes = longNames[(o.Entities + o.Roles)..];
        _entityCdf = ZipfCdf(o.Entities, o.ZipfExponent);
        _roleCdf = ZipfCdf(o.Roles, o.ZipfExponent);
        Tokenizer = new Tokenizer([.. FunctionWords, .. _syllables, .. Objects, .. FillerWords]);
    }

    private string[] DistinctNames(Random rng, int count, int syllables, IReadOnlyCollection<string>? exclude = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal); var ordered = new List<string>(count);
        while (ordered.Count < count)
        {
            string name = string.Join(' ', Enumerable.Range(0, syllables).Select(_ => _syllables[rng.Next(_syllables.Length)]));
            if ((exclude is null || !exclude.Contains(name)) && names.Add(name)) ordered.Add(name);
        }
        return [.. ordered];
    }

    private static double[] ZipfCdf(int n, double s)
    {
        var cdf = new double[n]; double z = 0;
        for (int i = 0; i < n; i++) { z += Math.Pow(i + 1, -s); cdf[i] = z; }
        for (int i = 0; i < n; i++) cdf[i] /= z;
        return cdf;
    }

    private static int Sample(double[] cdf, Random rng)
    {
        int i = Array.BinarySearch(cdf, rng.NextDouble());
        return Math.Min(i < 0 ? ~i : i, cdf.Length - 1);
    }

    /// <summary>Document <paramref name="index"/> of the endless pretraining stream (deterministic).</summary>
    public string Document(long index)
    {
        var rng = new Random(Mix(_seed, index, 0x5eed));
        if (rng.NextDouble() < Options.FillerFraction) return Filler(rng);
        return (index % 4) switch
        {
            0 => Fact(Sample(_entityCdf, rng)),
            1 => Addition(rng, heldOut: false).Text,
            2 => rng.Next(2) == 0 ? RoleStatement(rng) : Analogy(rng, heldOut: false).Text,
            _ => Options.SpatialInContext ? Containment(rng, stream: true).Text : MapDocument(rng),
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

    private string Fact(int i) => $"capital of {_entities[i]} is {_capitals[i]} .";

    /// <summary>One in five operand pairs (by a hash, so the split is the same in every run) is held out of the stream.</summary>
    private static bool IsHeldOutPair(long a, long b) => Mix(a, b, 0xadd) % 5 == 0;

    private (string Text, string Prompt, string Answer, double Space) Addition(Random rng, bool heldOut)
    {
        // Options.Sums independent additions per item ("add 4 7 and 9 1 , 3 2 1 and 5 8 0 :" → "3 9 0 , 5 1 2 0"): the
        // answer space is the product of the parts', while each part stays a short, learnable sum. Every pair of a
        // held-out question is held out and every pair of a stream item is not, so no held-out pair is ever trained on.
        var prompts = new string[Options.Sums]; var answers = new string[Options.Sums]; double space = 1;
        for (int j = 0; j < Options.Sums; j++)
        {
            // The first operand has d digits, the second e ≤ d (AddendDigits; by default e = d), and the sum is written
            // with d + 1 digits (the last is the carry, 0 or 1): a fixed layout per (d, e), so digit i of the answer
            // always sits at the same distance from the digits it depends on.
            int d = rng.Next(Options.MinDigits, Options.MaxDigits + 1);
            int e = Options.AddendDigits == 0 ? d : Math.Min(Options.AddendDigits, d);
            long lo = d == 1 ? 0 : (long)Math.Pow(10, d - 1), hi = (long)Math.Pow(10, d);
            long loB = e == 1 ? 0 : (long)Math.Pow(10, e - 1), hiB = (long)Math.Pow(10, e);
            long a, b;
            do { a = rng.NextInt64(lo, hi); b = rng.NextInt64(loB, hiB); } while (IsHeldOutPair(a, b) != heldOut);
            prompts[j] = $"{Lsb(a, d)} and {Lsb(b, e)}"; answers[j] = Lsb(a + b, d + 1);
            // A uniform guess among the sums a d-digit and an e-digit number can have (every integer between the extremes).
            space *= (hi - 1.0) + (hiB - 1.0) - lo - loB + 1;
        }
        string prompt = $"add {string.Join(" , ", prompts)} :", answer = string.Join(" , ", answers);
        return ($"{prompt} {answer} .", prompt, answer, space);
    }

    /// <summary>v's digits, least significant first, padded with zeros to <paramref name="digits"/>.</summary>
    private static string Lsb(long v, int digits) =>
        string.Join(' ', v.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').Reverse());

    private string RoleStatement(Random rng)
    {
        int r = Sample(_roleCdf, rng);
        return rng.Next(2) == 0 ? $"{_roles[r]} uses {_tools[r]} ." : $"{_roles[r]} lives in {_homes[r]} .";
    }

    private static bool IsHeldOutRoles(int r1, int r2) => Mix(r1, r2, 0xa7a) % 5 == 0;

    private (string Text, string Prompt, string Answer) Analogy(Random rng, bool heldOut)
    {
        while (true)
        {
            int r1 = Sample(_roleCdf, rng), r2 = Sample(_roleCdf, rng);
            if (r1 == r2 || IsHeldOutRoles(r1, r2) != heldOut) continue;
            var rel = rng.Next(2) == 0 ? _tools : _homes;
            string prompt = $"{_roles[r1]} : {rel[r1]} as {_roles[r2]} :";
            return ($"{prompt} {rel[r2]} .", prompt, rel[r2]);
        }
    }

    private (string Text, string Prompt, string Answer, double Space) Containment(Random rng, bool stream = false)
    {
        // The stream also holds chains shorter than the questions' (from one hop): each hop is the same lookup — the token
        // just written, found as a subject, gives the next — so short chains teach the step the long ones repeat.
        int hops = rng.Next(stream ? 1 : Options.MinHops, Options.MaxHops + 1);
        var pool = Objects.OrderBy(_ => rng.Next()).ToArray();
        var chain = pool[..(hops + 1)];
        var statements = new List<string>();
        for (int h = 0; h < hops; h++) statements.Add($"{chain[h]} in {chain[h + 1]} .");
        // Distractor chains of one or two hops over other objects; shuffled in with the chain, so order gives nothing away.
        int next = hops + 1;
        for (int d = 0; d < Options.Distractors && next + 1 < pool.Length; d++)
        {
            int len = Math.Min(rng.Next(1, 3), pool.Length - next - 1);
            for (int h = 0; h < len; h++) statements.Add($"{pool[next + h]} in {pool[next + h + 1]} .");
            next += len + 1;
        }
        var shuffled = statements.OrderBy(_ => rng.Next()).ToList();
        // The prompt ends on the object itself ("… where key"), so the first hop is the same lookup as every later one.
        string prompt = string.Join(' ', shuffled) + $" where {chain[0]}";
        string answer = string.Join(' ', chain[1..]);
        double space = 1; for (int h = 0; h < hops; h++) space *= Objects.Length - 1 - h; // ordered distinct objects
        return ($"{prompt} {answer} .", prompt, answer, space);
    }

    /// <summary>A fact of the map ("ve lor in ka mo .", Zipf over places) or, for places not held out, a path question answered.</summary>
    private string MapDocument(Random rng)
    {
        if (rng.Next(3) > 0)
        {
            int i;
            do i = _placeByRank[Sample(_placeCdf, rng)]; while (_container[i] < 0);
            return $"{_places[i]} in {_places[_container[i]]} .";
        }
        while (true)
        {
            int i = rng.Next(_places.Length);
            if (_level[i] < 1 || IsHeldOutPlace(i)) continue;
            var (p, a) = MapQuestion(i);
            return $"{p} {a} .";
        }
    }

    /// <summary>One place in five (by a hash) is never asked in the stream: its path must be composed from the map's facts.</summary>
    private static bool IsHeldOutPlace(int i) => Mix(i, 7, 0x91ace) % 5 == 0;

    private (string Prompt, string Answer) MapQuestion(int i)
    {
        var path = new List<string>();
        for (int c = _container[i]; c >= 0; c = _container[c]) path.Add(_places[c]);
        return ($"where {_places[i]} ?", string.Join(' ', path));
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
        double nameSpace = Math.Pow(Options.Syllables, Options.AnswerSyllables);
        // Knowledge: entities spread evenly over the Zipf ranks (frequent to rare); every fact is in the stream.
        for (int i = 0; i < m; i++)
        {
            int e = (int)((long)i * Options.Entities / m) % Options.Entities;
            qs.Add(new($"knowledge-{i:D3}", "knowledge", $"capital of {_entities[e]} is", _capitals[e], nameSpace));
        }
        for (int i = 0; i < m; i++) { var (_, p, a, s) = Addition(rng, heldOut: true); qs.Add(new($"arithmetic-{i:D3}", "arithmetic", p, a, s)); }
        for (int i = 0; i < m; i++) { var (_, p, a) = Analogy(rng, heldOut: true); qs.Add(new($"analogy-{i:D3}", "analogy", p, a, nameSpace)); }
        if (Options.SpatialInContext)
            for (int i = 0; i < m; i++) { var (_, p, a, s) = Containment(rng); qs.Add(new($"spatial-{i:D3}", "spatial", p, a, s)); }
        else
        {
            // Held-out places at the asked depths, cycling through the depths so every hop count is represented.
            var pool = Enumerable.Range(0, _places.Length).Where(i => IsHeldOutPlace(i) && _level[i] >= Options.MinHops && _level[i] <= Options.MaxHops)
                .OrderBy(i => _level[i]).ThenBy(i => Mix(i, 3, 0x5a))
                .ToList();
            if (pool.Count == 0) throw new ArgumentException("world: places: no held-out place lies at the asked depths (more places needed).");
            var byDepth = pool.GroupBy(i => _level[i]).Select(g => g.ToList()).ToList();
            double twoSyllables = (double)Options.Syllables * Options.Syllables;
            for (int i = 0; i < m; i++)
            {
                var d = byDepth[i % byDepth.Count]; int place = d[(i / byDepth.Count) % d.Count];
                var (p, a) = MapQuestion(place);
                qs.Add(new($"spatial-{i:D3}", "spatial", p, a, Math.Pow(twoSyllables, _level[place])));
            }
        }
        return qs;
    }

    /// <summary>
    /// A training split for post-training: <paramref name="perFamily"/> questions per family generated with the same
    /// difficulty settings as <see cref="Questions"/> but disjoint from them — knowledge asks entities the evaluation does
    /// not, arithmetic and analogy draw from the pairs the stream uses (the evaluation's are held out), memorised spatial
    /// asks places that are not held out; anything equal to an evaluation prompt is skipped. Deterministic in the seed.
    /// </summary>
    public IReadOnlyList<Question> TrainingQuestions(IReadOnlyCollection<string> families, int perFamily, int seed)
    {
        if (perFamily < 1) throw new ArgumentException("the training split needs at least one question per family.");
        foreach (var f in families)
            if (!Families.Contains(f)) throw new ArgumentException($"unknown family '{f}' (families: {string.Join(", ", Families)}).");
        var eval = Questions();
        var evalPrompts = eval.Select(q => q.Prompt).ToHashSet(StringComparer.Ordinal);
        var rng = new Random(Mix(_seed, seed, 0x7a1a));
        var qs = new List<Question>();
        double nameSpace = Math.Pow(Options.Syllables, Options.AnswerSyllables);
        var evalEntities = Enumerable.Range(0, Options.QuestionsPerFamily).Select(i => (int)((long)i * Options.Entities / Options.QuestionsPerFamily) % Options.Entities).ToHashSet();
        var trainPlaces = Enumerable.Range(0, _places.Length).Where(i => !IsHeldOutPlace(i) && _level[i] >= Options.MinHops && _level[i] <= Options.MaxHops).ToArray();
        foreach (var family in Families.Where(families.Contains))
        {
            int made = 0, tries = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (made < perFamily)
            {
                if (++tries > 200 * perFamily + 10_000)
                    throw new ArgumentException($"family '{family}' has fewer than {perFamily} training questions disjoint from the evaluation (made {made}).");
                (string Prompt, string Answer, double Space) q;
                switch (family)
                {
                    case "knowledge":
                        int e = Sample(_entityCdf, rng);
                        if (evalEntities.Contains(e)) continue;
                        q = ($"capital of {_entities[e]} is", _capitals[e], nameSpace); break;
                    case "arithmetic": { var (_, p, a, sp) = Addition(rng, heldOut: false); q = (p, a, sp); break; }
                    case "analogy": { var (_, p, a) = Analogy(rng, heldOut: false); q = (p, a, nameSpace); break; }
                    default:
                        if (Options.SpatialInContext) { var (_, p, a, sp) = Containment(rng); q = (p, a, sp); }
                        else
                        {
                            if (trainPlaces.Length == 0) throw new ArgumentException("world: no place outside the held-out set lies at the asked depths.");
                            int place = trainPlaces[rng.Next(trainPlaces.Length)];
                            var (p, a) = MapQuestion(place);
                            q = (p, a, Math.Pow((double)Options.Syllables * Options.Syllables, _level[place]));
                        }
                        break;
                }
                if (evalPrompts.Contains(q.Prompt)) continue;
                // Distinct within the split while the family has room (small sets — places, entities — then repeat).
                if (!seen.Add(q.Prompt) && tries < 20 * perFamily) continue;
                qs.Add(new($"{family}-train-{made:D4}", family, q.Prompt, q.Answer, q.Space));
                made++;
            }
        }
        return qs;
    }

    /// <summary>Mean over a family's questions of the chance that k uniform guesses include the answer.</summary>
    public static double GuessFloor(IEnumerable<Question> questions, double k)
    {
        var list = questions.ToList();
        return list.Count == 0 ? 0 : list.Average(q => -double.ExpM1(k * double.LogP1(-1 / q.AnswerSpace)));
    }

    /// <summary>Plain-text sample of the stream (for inspection).</summary>
    public string Sample(int documents)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < documents; i++) sb.AppendLine(Document(i));
        return sb.ToString();
    }
}
