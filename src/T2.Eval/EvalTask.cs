using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace T2.Eval;

/// <summary>Bad evaluation input: names the file, the line and the field.</summary>
public sealed class EvalInputException(string path, int line, string? field, string message)
    : Exception($"{path}{(line > 0 ? $":{line}" : "")}: {(field is null ? "" : $"field '{field}': ")}{message}");

public enum GradeKind { Exact, Numeric, Regex }

/// <summary>
/// One question of a tasks file. Likelihood mode scores <see cref="Answer"/> as the continuation of <see cref="Prompt"/>
/// (the text sent is prompt + answer verbatim, so put the separating space at the start of the answer, as
/// lm-evaluation-harness does). Sample mode grades each completion against the answer.
/// </summary>
public sealed record EvalTask(int Line, string Task, string Id, string Prompt, string Answer, GradeKind Grade, Regex? Pattern,
    int? MaxTokens, IReadOnlyList<string>? Stop);

public static class EvalTasks
{
    /// <summary>
    /// Reads JSON lines: {"task", "id", "prompt", "answer", optional "grade": exact|numeric|regex, "pattern",
    /// "max_tokens", "stop"}. Every problem names its line and field; a question twice in one task is an error.
    /// </summary>
    public static List<EvalTask> Read(string path)
    {
        if (Directory.Exists(path)) throw new EvalInputException(path, 0, null, "is a directory; --tasks takes a tasks file (JSONL, one question per line).");
        if (!File.Exists(path)) throw new EvalInputException(path, 0, null, "no such file.");
        var list = new List<EvalTask>();
        var seen = new HashSet<(string, string)>();
        foreach (var (lineNo, line) in T2.IO.StrictText.Lines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException) { throw new EvalInputException(path, lineNo, null, "not valid JSON."); }
            using (doc)
            {
                var r = doc.RootElement;
                if (r.ValueKind != JsonValueKind.Object) throw new EvalInputException(path, lineNo, null, "each line must be a JSON object.");
                string Str(string name, bool required, string? fallback = null)
                {
                    if (!r.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
                        return required ? throw new EvalInputException(path, lineNo, name, "missing.") : fallback!;
                    return v.ValueKind switch
                    {
                        JsonValueKind.String => v.GetString()!,
                        JsonValueKind.Number => v.GetRawText(),
                        _ => throw new EvalInputException(path, lineNo, name, "must be a string."),
                    };
                }
                string task = Str("task", false, "task"), id = Str("id", true), prompt = Str("prompt", true), answer = Str("answer", true);
                if (task.Length == 0) throw new EvalInputException(path, lineNo, "task", "empty.");
                if (id.Length == 0) throw new EvalInputException(path, lineNo, "id", "empty.");
                if (prompt.Length == 0) throw new EvalInputException(path, lineNo, "prompt", "empty.");
                string gradeName = Str("grade", false, "exact");
                var grade = gradeName switch
                {
                    "exact" => GradeKind.Exact, "numeric" => GradeKind.Numeric, "regex" => GradeKind.Regex,
                    _ => throw new EvalInputException(path, lineNo, "grade", $"'{gradeName}' is not exact, numeric or regex."),
                };
                Regex? pattern = null;
                if (grade == GradeKind.Regex)
                {
                    string p = Str("pattern", true);
                    try { pattern = new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                    catch (ArgumentException e) { throw new EvalInputException(path, lineNo, "pattern", $"not a regular expression ({e.Message})."); }
                }
                if (grade == GradeKind.Numeric && !Grader.TryNumber(answer, out _))
                    throw new EvalInputException(path, lineNo, "answer", $"'{answer}' has no number for numeric grading.");
                int? maxTokens = null;
                if (r.TryGetProperty("max_tokens", out var mt) && mt.ValueKind != JsonValueKind.Null)
                {
                    if (mt.ValueKind != JsonValueKind.Number || !mt.TryGetInt32(out int m) || m < 1 || m > 1 << 20)
                        throw new EvalInputException(path, lineNo, "max_tokens", "must be an integer ≥ 1.");
                    maxTokens = m;
                }
                List<string>? stop = null;
                if (r.TryGetProperty("stop", out var st) && st.ValueKind != JsonValueKind.Null)
                {
                    if (st.ValueKind == JsonValueKind.String) stop = [st.GetString()!];
                    else if (st.ValueKind == JsonValueKind.Array && st.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
                        stop = st.EnumerateArray().Select(x => x.GetString()!).ToList();
                    else throw new EvalInputException(path, lineNo, "stop", "must be a string or a list of strings.");
                    if (stop.Any(s => s.Length == 0)) throw new EvalInputException(path, lineNo, "stop", "empty stop sequence.");
                }
                if (!seen.Add((task, id))) throw new EvalInputException(path, lineNo, "id", $"question '{id}' appears twice in task '{task}'.");
                list.Add(new EvalTask(lineNo, task, id, prompt, answer, grade, pattern, maxTokens, stop));
            }
        }
        if (list.Count == 0) throw new EvalInputException(path, 0, null, "no questions.");
        return list;
    }
}

/// <summary>
/// Grading of a generated answer (t2 eval's samples and the importers' re-graded responses): exact match after
/// normalisation; numeric — the last number in the response (the final answer, as lm-evaluation-harness's
/// flexible-extract takes it) equals the target's; regex — the pattern's first group, or its whole match, equals the
/// normalised target (any match counts when the target is empty).
/// </summary>
public static class Grader
{
    /// <summary>Lower case, whitespace collapsed, trailing sentence punctuation dropped.</summary>
    public static string Normalise(string s)
    {
        var parts = s.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', parts).TrimEnd('.', '!', '?', ' ');
    }

    private static readonly Regex NumberRx = new(@"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?", RegexOptions.CultureInvariant);

    /// <summary>The last number in the text (thousands separators removed).</summary>
    public static bool TryNumber(string s, out double v)
    {
        v = 0;
        var ms = NumberRx.Matches(s);
        return ms.Count > 0 && double.TryParse(ms[^1].Value.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    public static bool Correct(EvalTask t, string completion) => Correct(t.Grade, t.Pattern, completion, t.Answer);

    public static bool Correct(GradeKind kind, Regex? pattern, string completion, string answer)
    {
        switch (kind)
        {
            case GradeKind.Numeric:
                return TryNumber(completion, out var got) && TryNumber(answer, out var want) && Math.Abs(got - want) <= 1e-9 * Math.Max(1, Math.Abs(want));
            case GradeKind.Regex:
                try
                {
                    var m = pattern!.Match(completion);
                    if (!m.Success) return false;
                    return answer.Trim().Length == 0 || Normalise(m.Groups.Count > 1 ? m.Groups[1].Value : m.Value) == Normalise(answer);
                }
                catch (RegexMatchTimeoutException) { return false; }
            default:
                return Normalise(completion) == Normalise(answer);
        }
    }
}
