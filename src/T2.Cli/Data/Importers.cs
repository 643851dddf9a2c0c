using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace T2.Cli.Data;

/// <summary>One imported question: its task and id, and either the gold answer's NLL or sample counts.</summary>
public sealed record ImportedQuestion(string Task, string Question, double? Nll, long Samples, long Correct);

/// <summary>How a generated answer is compared with the target when an importer re-grades raw responses.</summary>
public sealed record Grader(string Kind, Regex? Pattern)
{
    public static Grader Parse(string spec) => spec switch
    {
        "exact" => new("exact", null),
        "numeric" => new("numeric", null),
        _ when spec.StartsWith("regex:", StringComparison.Ordinal) => new("regex", TryRegex(spec[6..])),
        _ => throw new UsageException($"--grade '{spec}': use exact, numeric or regex:PATTERN (the pattern's first group, or the match, is the answer)."),
    };

    private static Regex TryRegex(string p)
    {
        try { return new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { throw new UsageException($"--grade regex: {e.Message}"); }
    }

    /// <summary>One grader for t2 eval and the importers (T2.Eval.Grader: exact after normalisation, the last number,
    /// or the pattern's group).</summary>
    public bool Correct(string response, string target) =>
        T2.Eval.Grader.Correct(Kind switch { "numeric" => T2.Eval.GradeKind.Numeric, "regex" => T2.Eval.GradeKind.Regex, _ => T2.Eval.GradeKind.Exact },
            Pattern, response, target);
}

/// <summary>
/// Readers of the evaluation logs users already have, into per-question evidence. Every malformed line names the file,
/// line and field. Formats (field names as the tools document them):
/// <list type="bullet">
/// <item>lm-evaluation-harness <c>--log_samples</c> (<c>samples_TASK_DATE.jsonl</c>): doc_id, target, arguments,
///   resps, filtered_resps. Log-likelihood requests (resps entries [logprob, is_greedy], strings or numbers): the gold
///   continuation's NLL — the one request of a single-continuation task, or the target-th choice of a multiple-choice
///   one. Generation requests: the raw responses (every repeat) re-graded against the target → counts; when only a
///   filtered first answer exists, that one answer is graded and a note says so. Both the 0.4.x nesting
///   (resps [[[..]]], arguments {"gen_args_0": {"arg_0", "arg_1"}}) and the flattened forms (lists) are accepted.</item>
/// <item>human-eval <c>*_results.jsonl</c>: task_id, completion, result, passed → counts per task_id.</item>
/// <item>Large Language Monkeys: per-problem YAML or JSON with <c>samples</c> and <c>is_corrects</c> (or
///   <c>is_correct</c>), or the JSON(L) release of such records → counts.</item>
/// </list>
/// </summary>
public static class Importers
{
    public static List<ImportedQuestion> LmEval(string path, string? task, Grader grader, List<string> notes)
    {
        string t = task ?? TaskFromSamplesName(path);
        var list = new List<ImportedQuestion>();
        bool filteredOnly = false; int perFilter = 0, firstLik = 0, firstGen = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, root) in JsonLines(path))
        {
            string id = root.TryGetProperty("doc_id", out var d) ? d.ToString() : throw new InputException(path, line, "doc_id", "missing.");
            // lm-eval logs a document once per filter (e.g. gsm8k's strict-match and flexible-extract) with the same raw
            // responses: the first record is the document; a repeat without a "filter" field is an error.
            if (!seen.Add(id))
            {
                if (root.TryGetProperty("filter", out _)) { perFilter++; continue; }
                throw new InputException(path, line, "doc_id", $"document {id} appears twice.");
            }
            if (!root.TryGetProperty("resps", out var resps) || resps.ValueKind != JsonValueKind.Array || resps.GetArrayLength() == 0)
                throw new InputException(path, line, "resps", "missing or empty (run lm-eval with --log_samples).");
            root.TryGetProperty("target", out var target);
            // A request's response list: [[logprob, is_greedy]] or [logprob, is_greedy] (log-likelihood), or strings (generations).
            var requests = resps.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.Array ? r : throw new InputException(path, line, "resps", "each request's responses must be a list.")).ToList();
            // One response list per request: a record whose arguments list another number of requests is not one record.
            if (root.TryGetProperty("arguments", out var args) && Count(args) is { } nArgs && nArgs != requests.Count)
                throw new InputException(path, line, "resps", $"{requests.Count} responses for {nArgs} requests in arguments.");
            if (IsLogLikelihood(requests[0]))
            {
                if (firstLik == 0) firstLik = line;
                int gold = 0;
                if (requests.Count > 1)
                {
                    if (target.ValueKind == JsonValueKind.Number) gold = target.GetInt32();
                    else if (target.ValueKind == JsonValueKind.String && int.TryParse(target.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int g)) gold = g;
                    else throw new InputException(path, line, "target", "a multiple-choice record needs the gold choice's index as target.");
                    if (gold < 0 || gold >= requests.Count) throw new InputException(path, line, "target", $"choice {gold} of {requests.Count}.");
                }
                // Every choice's response must be a log-likelihood, not only the gold one's.
                var lps = requests.Select(r => LogProb(r, path, line)).ToList();
                double lp = lps[gold];
                list.Add(new ImportedQuestion(t, id, -lp, 0, 0));
            }
            else
            {
                if (firstGen == 0) firstGen = line;
                string tgt = target.ValueKind == JsonValueKind.String ? target.GetString()! : target.ValueKind == JsonValueKind.Undefined
                    ? throw new InputException(path, line, "target", "missing (needed to re-grade the responses).") : target.ToString();
                var raw = Flatten(requests[0]).Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList();
                if (raw.Count == 0 && root.TryGetProperty("filtered_resps", out var fr))
                {
                    raw = Flatten(fr).Where(e => e.ValueKind == JsonValueKind.String).Take(1).Select(e => e.GetString()!).ToList();
                    filteredOnly = true;
                }
                if (raw.Count == 0) throw new InputException(path, line, "resps", "no generated text to grade.");
                list.Add(new ImportedQuestion(t, id, null, raw.Count, raw.Count(r => grader.Correct(r, tgt))));
            }
        }
        if (perFilter > 0) notes.Add($"{path}: {perFilter} records repeat a document under another filter; each document counted once (raw responses are re-graded, not filtered).");
        if (filteredOnly) notes.Add($"{path}: some records hold only a filtered first answer; those questions count one sample each.");
        if (firstLik > 0 && firstGen > 0)
            throw new InputException(path, Math.Max(firstLik, firstGen), "resps", $"a {(firstGen > firstLik ? "generation" : "log-likelihood")} record after " +
                $"{(firstGen > firstLik ? "log-likelihood" : "generation")} records (line {Math.Min(firstLik, firstGen)}); import them as separate tasks.");
        return list;
    }

    /// <summary>samples_gsm8k_2024-05-01T12-00-00.jsonl → gsm8k.</summary>
    public static string TaskFromSamplesName(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var m = Regex.Match(name, @"^samples_(.+?)_\d{4}-\d{2}-\d{2}T");
        return m.Success ? m.Groups[1].Value : name.StartsWith("samples_", StringComparison.Ordinal) ? name[8..] : name;
    }

    /// <summary>Requests listed in arguments: a list, or the 0.4.x object {"gen_args_0": …, "gen_args_1": …}; null otherwise.</summary>
    private static int? Count(JsonElement args) => args.ValueKind switch
    {
        JsonValueKind.Array => args.GetArrayLength(),
        JsonValueKind.Object when args.EnumerateObject().All(p => p.Name.StartsWith("gen_args_", StringComparison.Ordinal)) => args.EnumerateObject().Count(),
        _ => null,
    };

    /// <summary>A log-likelihood response is [logprob, is_greedy] (nested in lists or not), is_greedy a boolean or
    /// "True"/"False": the shape decides, so a malformed logprob is reported as such, not as a generation.</summary>
    private static bool IsLogLikelihood(JsonElement request)
    {
        var flat = Flatten(request).Take(3).ToList();
        if (flat.Count >= 1 && flat[0].ValueKind == JsonValueKind.Number) return true;
        return flat.Count >= 2 && flat[1].ValueKind is JsonValueKind.True or JsonValueKind.False
            || flat.Count >= 2 && flat[1] is { ValueKind: JsonValueKind.String } s && s.GetString() is "True" or "False";
    }

    private static double LogProb(JsonElement request, string path, int line)
    {
        var flat = Flatten(request).ToList();
        // [logprob, is_greedy], or loglikelihood_rolling's lone [logprob].
        if (!(flat.Count == 1 || flat.Count == 2 && flat[1].ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.String))
            throw new InputException(path, line, "resps", $"a log-likelihood response is [logprob, is_greedy]; got {Short(request)}.");
        var v = flat[0];
        double lp = v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x
            : throw new InputException(path, line, "resps", $"the log-likelihood {Short(v)} is not a number.");
        if (!(lp <= 0) || double.IsInfinity(lp)) throw new InputException(path, line, "resps", $"log-likelihood {lp} must be finite and ≤ 0.");
        return lp;
    }

    private static string Short(JsonElement e)
    {
        string t = e.GetRawText();
        return t.Length > 60 ? t[..60] + "…" : t;
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array) { yield return e; yield break; }
        foreach (var c in e.EnumerateArray()) foreach (var x in Flatten(c)) yield return x;
    }

    public static List<ImportedQuestion> HumanEval(string path, string? task)
    {
        var counts = new Dictionary<string, (long N, long C)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (line, root) in JsonLines(path))
        {
            if (!root.TryGetProperty("task_id", out var t)) throw new InputException(path, line, "task_id", "missing.");
            string id = t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } s ? s
                : throw new InputException(path, line, "task_id", $"must be a non-empty string such as \"HumanEval/0\"; got {Short(t)}.");
            bool passed = root.TryGetProperty("passed", out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False ? p.GetBoolean()
                : throw new InputException(path, line, "passed", "missing or not true/false (run human-eval's evaluate_functional_correctness).");
            if (!counts.ContainsKey(id)) order.Add(id);
            var (n, c) = counts.GetValueOrDefault(id);
            counts[id] = (n + 1, c + (passed ? 1 : 0));
        }
        return order.Select(id => new ImportedQuestion(task ?? "humaneval", id, null, counts[id].N, counts[id].C)).ToList();
    }

    public static List<ImportedQuestion> Monkeys(string path, string? task)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        string t = task ?? "monkeys";
        if (ext is ".yaml" or ".yml")
        {
            // The representation model (no object mapping, so no reflection): a mapping of scalars and sequences.
            var stream = new YamlStream();
            string yaml = ReadText(path);
            CheckYamlDepth(path, yaml);
            try { stream.Load(new StringReader(yaml)); }
            catch (YamlDotNet.Core.YamlException e) { throw new InputException(path, (int)e.Start.Line, null, $"not YAML ({e.Message.Split('\n')[0]})."); }
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
                throw new InputException(path, 1, null, "expected a mapping with samples and is_corrects.");
            YamlNode? Get(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;
            var flags = (Get("is_corrects") ?? Get("is_correct")) as YamlSequenceNode
                ?? throw new InputException(path, 1, "is_corrects", "missing (a list of true/false per sample).");
            var bools = flags.Children.Select((f, i) => f is YamlScalarNode { Value: { } s } && bool.TryParse(s, out bool b) ? b
                : throw new InputException(path, (int)f.Start.Line, $"is_corrects[{i}]", "not true/false.")).ToList();
            string id = (Get("id") ?? Get("problem_id") ?? Get("question_id")) is YamlScalarNode { Value: { } idText }
                ? idText : Path.GetFileNameWithoutExtension(path);
            if (bools.Count == 0) throw new InputException(path, 1, "is_corrects", "empty.");
            if (Get("samples") is { } ys)
            {
                int at = (int)ys.Start.Line;
                if (ys is not YamlSequenceNode seq) throw new InputException(path, at, "samples", "must be a list (one generated answer per sample).");
                if (seq.Children.Count != bools.Count)
                    throw new InputException(path, at, "samples", $"{seq.Children.Count} samples but {bools.Count} is_corrects flags; they must pair up.");
            }
            return [new ImportedQuestion(t, id, null, bools.Count, bools.Count(b => b))];
        }
        var list = new List<ImportedQuestion>();
        IEnumerable<(int, JsonElement)> records;
        string text = ReadText(path).TrimStart();
        if (text.StartsWith('['))
        {
            using var doc = Parse(path, text);
            int bad = doc.RootElement.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Object ? -1 : i).FirstOrDefault(i => i >= 0, -1);
            if (bad >= 0) throw new InputException(path, bad + 1, null, $"record {bad + 1} of the list is not a JSON object.");
            records = doc.RootElement.EnumerateArray().Select((e, i) => (i + 1, e.Clone())).ToList();
        }
        else records = JsonLines(path);
        foreach (var (line, r) in records)
        {
            var flags = r.TryGetProperty("is_corrects", out var f) || r.TryGetProperty("is_correct", out f) ? f
                : throw new InputException(path, line, "is_corrects", "missing (a list of true/false per sample).");
            if (flags.ValueKind != JsonValueKind.Array || flags.GetArrayLength() == 0 || flags.EnumerateArray().Any(x => x.ValueKind is not (JsonValueKind.True or JsonValueKind.False)))
                throw new InputException(path, line, "is_corrects", "must be a non-empty list of true/false.");
            if (r.TryGetProperty("samples", out var smp))
            {
                if (smp.ValueKind != JsonValueKind.Array)
                    throw new InputException(path, line, "samples", $"must be a list (one generated answer per sample); got {Short(smp)}.");
                int ns = smp.GetArrayLength(), nf = flags.GetArrayLength();
                if (ns != nf) throw new InputException(path, line, "samples", $"{ns} samples but {nf} is_corrects flags; they must pair up.");
            }
            string id = new[] { "id", "problem_id", "question_id", "question" }.Select(k => r.TryGetProperty(k, out var v) ? v.ToString() : null).FirstOrDefault(v => v is not null)
                ?? $"{Path.GetFileNameWithoutExtension(path)}-{line}";
            list.Add(new ImportedQuestion(t, id, null, flags.GetArrayLength(), flags.EnumerateArray().Count(x => x.GetBoolean())));
        }
        return list;
    }

    private static JsonDocument Parse(string path, string text)
    {
        try { return JsonDocument.Parse(text); }
        catch (JsonException e) { throw new InputException(path, (int)(e.LineNumber ?? 0) + 1, null, $"not JSON{DepthHint(e)}."); }
    }

    /// <summary>JSON nested deeper than System.Text.Json's bound (64) is refused by the parser; say so.</summary>
    private static string DepthHint(JsonException e) =>
        e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) ? " (nested deeper than 64 levels)" : "";

    /// <summary>The most nesting a log may have (YamlDotNet's loader recurses once per level: 50,000 levels overflow the stack).</summary>
    public const int MaxYamlDepth = 64;

    /// <summary>Walks the YAML events (the parser is iterative) and refuses nesting deeper than <see cref="MaxYamlDepth"/>.</summary>
    private static void CheckYamlDepth(string path, string yaml)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        int depth = 0;
        try
        {
            while (parser.MoveNext())
                switch (parser.Current)
                {
                    case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                        if (++depth > MaxYamlDepth)
                            throw new InputException(path, (int)parser.Current.Start.Line, null,
                                $"nested deeper than {MaxYamlDepth} levels; not a Monkeys record.");
                        break;
                    case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd: depth--; break;
                }
        }
        catch (YamlDotNet.Core.YamlException e) { throw new InputException(path, (int)e.Start.Line, null, $"not YAML ({e.Message.Split('\n')[0]})."); }
    }

    /// <summary>A log file's text, strictly UTF-8 (a bad byte names its line).</summary>
    private static string ReadText(string path)
    {
        if (Directory.Exists(path)) throw new InputException(path, 0, null, "is a directory, not a log file.");
        if (!File.Exists(path)) throw new InputException(path, 0, null, "file not found.");
        return T2.IO.StrictText.ReadAll(path);
    }

    /// <summary>Non-empty lines of a JSONL file, each parsed (a bad line names its number).</summary>
    public static IEnumerable<(int Line, JsonElement Root)> JsonLines(string path)
    {
        if (Directory.Exists(path)) throw new InputException(path, 0, null, "is a directory, not a log file.");
        if (!File.Exists(path)) throw new InputException(path, 0, null, "file not found.");
        foreach (var (n, raw) in T2.IO.StrictText.Lines(path))
        {
            if (raw.Trim().Length == 0) continue;
            JsonElement root;
            try { using var doc = JsonDocument.Parse(raw); root = doc.RootElement.Clone(); }
            catch (JsonException e) { throw new InputException(path, n, null, $"not a JSON object (JSONL: one object per line){DepthHint(e)}."); }
            if (root.ValueKind != JsonValueKind.Object) throw new InputException(path, n, null, "not a JSON object.");
            yield return (n, root);
        }
    }

    /// <summary>
    /// Writes imported questions into an evidence CSV the other verbs read (checkpoint, N_params, D_tokens, task, question,
    /// then nll or num_samples,num_correct); rows of other checkpoints already there are kept, this checkpoint's replaced,
    /// atomically.
    /// </summary>
    public static int Write(string path, string checkpoint, double n, double d, List<ImportedQuestion> qs)
    {
        bool lik = qs.All(q => q.Nll is not null);
        if (!lik && qs.Any(q => q.Nll is not null)) throw new UsageException("these logs mix likelihood and sampled evidence; import them into separate --out files.");
        string header = lik ? "checkpoint,N_params,D_tokens,task,question,nll" : "checkpoint,N_params,D_tokens,task,question,num_samples,num_correct";
        var dup = qs.GroupBy(q => (q.Task, q.Question)).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new UsageException($"question '{dup.Key.Question}' of task '{dup.Key.Task}' appears in more than one record; import each run once.");
        var sb = new StringBuilder(header + "\n");
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length > 0 && lines[0] != header) throw new InputException(path, 1, null, $"has header '{lines[0]}'; this evidence needs '{header}'. Use another --out.");
            // Replace this checkpoint's rows of the imported tasks only (its other tasks may come from other logs).
            var tasks = qs.Select(q => q.Task).ToHashSet(StringComparer.Ordinal);
            foreach (var l in lines.Skip(1))
            {
                if (l.Length == 0) continue;
                var f = SplitCsv(l);
                if (f.Count > 3 && f[0] == checkpoint && tasks.Contains(f[3])) continue;
                sb.AppendLine(l);
            }
        }
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        foreach (var q in qs)
            sb.Append(Csv(checkpoint)).Append(',').Append(F(n)).Append(',').Append(F(d)).Append(',').Append(Csv(q.Task)).Append(',').Append(Csv(q.Question)).Append(',')
              .AppendLine(lik ? F(q.Nll!.Value) : $"{q.Samples},{q.Correct}");
        T2.IO.AtomicFile.WriteAllText(path, sb.ToString());
        return qs.Count;
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>(); var cur = new StringBuilder(); bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted) { if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; } else if (c == '"') quoted = false; else cur.Append(c); }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(c);
        }
        fields.Add(cur.ToString());
        return fields;
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
