using T2.Core.Evidence;

namespace T2.Cli.Data;

/// <summary>
/// The T² evidence table: one row per (checkpoint, task, question) with N, D (or C) and either nll or
/// num_samples/num_correct. Grouped into per-task lists of checkpoints; every inconsistency names file, line and column.
/// </summary>
public static class EvidenceData
{
    public static readonly string[] CheckpointNames = ["checkpoint", "model_nickname", "name", "model", "run"];
    public static readonly string[] TaskNames = ["task", "benchmark", "dataset"];
    public static readonly string[] QuestionNames = ["question", "question_id", "problem_idx", "problem_id", "doc_id", "id"];
    public static readonly string[] EvidenceNNames = [.. LossData.NNames];
    public static readonly string[] EvidenceDNames = [.. LossData.DNames, "D_tokens_seen"];

    public sealed record Columns(string? Checkpoint, string? N, string? D, string? C, string? Task, string? Question, string? Nll, string? Samples, string? Correct,
        string? Variant = null)
    {
        /// <summary>Every column by its default names.</summary>
        public static readonly Columns Defaults = new(null, null, null, null, null, null, null, null, null);
    }

    public const string VariantName = "variant";
    public const string PostTokensName = "post_tokens";

    /// <summary>One post-training variant's rows of an evidence table.</summary>
    public sealed record VariantPart(string? Variant, DataTable Rows, double? PostTrainingTokens);

    /// <summary>
    /// The evidence split by its variant column (default "variant"; the ladder writes base, ft, sft), base first then by name;
    /// <paramref name="only"/> keeps one. Without a variant column every row is one part (variant null), and only "base" may be
    /// asked for. A post_tokens column gives each part its post-training tokens per checkpoint (the mean over checkpoints).
    /// </summary>
    public static List<VariantPart> SplitVariants(DataTable t, string? column, string? only)
    {
        if (column is not null && !t.Has(column)) throw new InputException(t.Path, 1, column, "--variant-col names a column the file does not have.");
        string? vName = column ?? (t.Has(VariantName) ? VariantName : null);
        if (vName is null)
        {
            if (only is not null && only != "base")
                throw new InputException(t.Path, 1, VariantName, $"--variant {only}: the evidence has no variant column (every row is the base model).");
            return [new VariantPart(only, t, PostTokens(t, t.Rows))];
        }
        int vi = t.IndexOf(vName);
        foreach (var r in t.Rows)
            if (r.Values[vi].Trim().Length == 0) throw new InputException(t.Path, r.Line, vName, "empty; name the variant (base, ft, sft, …).");
        var groups = t.Rows.GroupBy(r => r.Values[vi].Trim(), StringComparer.Ordinal)
            .OrderBy(g => g.Key == "base" ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (only is not null)
        {
            groups = groups.Where(g => g.Key == only).ToList();
            if (groups.Count == 0)
                throw new InputException(t.Path, 1, vName, $"--variant {only}: no such rows (variants: {string.Join(", ", t.Rows.Select(r => r.Values[vi].Trim()).Distinct())}).");
        }
        return groups.Select(g => { var rows = g.ToList(); return new VariantPart(g.Key, new DataTable { Path = t.Path, Columns = t.Columns, Rows = rows }, PostTokens(t, rows)); }).ToList();
    }

    /// <summary>The evidence's run-kind column (the testbed writes isoflop, overtrained, extra, repeated).</summary>
    public const string KindName = "kind";

    /// <summary>Distinct checkpoints per run kind, when the evidence has a <c>kind</c> column (else null): what a fit of
    /// these rows used, so that a fit over the demo's extra and replicate runs says so.</summary>
    public static SortedDictionary<string, int>? CheckpointsByKind(DataTable t, string? checkpointColumn)
    {
        string? ck = checkpointColumn ?? t.FirstPresent(CheckpointNames);
        if (!t.Has(KindName) || ck is null || !t.Has(ck)) return null;
        int ki = t.IndexOf(KindName), ci = t.IndexOf(ck);
        var byKind = t.Rows.GroupBy(r => r.Values[ki].Trim(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Values[ci]).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        return new SortedDictionary<string, int>(byKind, StringComparer.Ordinal);
    }

    private static double? PostTokens(DataTable t, List<DataRow> rows)
    {
        if (!t.Has(PostTokensName)) return null;
        int pi = t.IndexOf(PostTokensName), ci = t.FirstPresent(CheckpointNames) is { } c ? t.IndexOf(c) : -1;
        var perCheckpoint = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            double v = t.Number(r, pi);
            if (v < 0) throw new InputException(t.Path, r.Line, PostTokensName, $"{v} must be ≥ 0.");
            perCheckpoint[ci < 0 ? "" : r.Values[ci]] = v;
        }
        return perCheckpoint.Count == 0 ? null : perCheckpoint.Values.Average();
    }

    public static Dictionary<string, List<CheckpointEvidence>> Read(DataTable t, Columns cols, string? onlyTask)
    {
        string ck = LossData.Resolve(t, cols.Checkpoint, CheckpointNames, "checkpoint", "--checkpoint-col");
        string nName = LossData.Resolve(t, cols.N, EvidenceNNames, "N (parameters)", "--n-col");
        string? dName = cols.D ?? t.FirstPresent(EvidenceDNames);
        if (cols.D is not null && !t.Has(cols.D)) throw new InputException(t.Path, 1, cols.D, "--d-col names a column the file does not have.");
        string? cName = dName is null ? (cols.C ?? t.FirstPresent(LossData.CNames)) : null;
        if (dName is null && (cName is null || !t.Has(cName)))
            throw new InputException(t.Path, 1, null, $"the evidence has no D column ({string.Join("/", EvidenceDNames)}) and no FLOPs column to derive D = C/6N; name one with --d-col or --c-col.");
        string? taskName = cols.Task ?? t.FirstPresent(TaskNames);
        if (cols.Task is not null && !t.Has(cols.Task)) throw new InputException(t.Path, 1, cols.Task, "--task-col names a column the file does not have.");
        string? qName = cols.Question ?? t.FirstPresent(QuestionNames);
        if (cols.Question is not null && !t.Has(cols.Question)) throw new InputException(t.Path, 1, cols.Question, "--question-col names a column the file does not have.");
        var ev = QuestionEvidence.From(t, cols.Samples, cols.Correct, cols.Nll);

        int ci = t.IndexOf(ck), ni = t.IndexOf(nName), di = dName is null ? -1 : t.IndexOf(dName), fi = cName is null ? -1 : t.IndexOf(cName);
        int ti = taskName is null ? -1 : t.IndexOf(taskName), qi = qName is null ? -1 : t.IndexOf(qName);
        var byTask = new Dictionary<string, Dictionary<string, (double N, double D, int Line, List<int> Rows)>>(StringComparer.Ordinal);
        var seen = new HashSet<(string, string, string)>();
        for (int r = 0; r < t.Rows.Count; r++)
        {
            var row = t.Rows[r];
            string task = ti < 0 ? "task" : row.Values[ti];
            if (onlyTask is not null && task != onlyTask) continue;
            string name = row.Values[ci];
            if (name.Length == 0) throw new InputException(t.Path, row.Line, ck, "empty checkpoint name.");
            double n = t.Number(row, ni);
            if (!(n > 0) || n > T2.Core.Planning.Limits.MaxCount)
                throw new InputException(t.Path, row.Line, nName, $"{row.Values[ni]} must be > 0 and ≤ 1e30 parameters.");
            double d = di >= 0 ? t.Number(row, di) : t.Number(row, fi) / (6 * n);
            if (!(d > 0) || d > T2.Core.Planning.Limits.MaxCount) throw new InputException(t.Path, row.Line, dName ?? cName, "D must be > 0 and ≤ 1e30 tokens.");
            if (qi >= 0 && !seen.Add((task, name, row.Values[qi])))
                throw new InputException(t.Path, row.Line, qName, $"question '{row.Values[qi]}' appears twice for checkpoint '{name}' on task '{task}'.");
            if (!byTask.TryGetValue(task, out var cps)) byTask[task] = cps = new(StringComparer.Ordinal);
            if (!cps.TryGetValue(name, out var cp)) cps[name] = cp = (n, d, row.Line, new List<int>());
            else if (!Same(cp.N, n) || !Same(cp.D, d))
                throw new InputException(t.Path, row.Line, Same(cp.N, n) ? (dName ?? cName) : nName,
                    $"checkpoint '{name}' has N = {cp.N:G6}, D = {cp.D:G6} on line {cp.Line} but N = {n:G6}, D = {d:G6} here.");
            cp.Rows.Add(r);
        }
        if (byTask.Count == 0) throw new InputException(t.Path, 0, taskName, onlyTask is null ? "no evidence rows." : $"no rows for task '{onlyTask}' (tasks: {string.Join(", ", t.Rows.Select(r => ti < 0 ? "task" : r.Values[ti]).Distinct())}).");
        return byTask.ToDictionary(kv => kv.Key, kv => kv.Value.Select(c => new CheckpointEvidence(c.Key, c.Value.N, c.Value.D,
            ev.Nll is null ? null : c.Value.Rows.Select(i => ev.Nll[i]).ToArray(),
            ev.Samples is null ? null : c.Value.Rows.Select(i => ev.Samples[i]).ToArray(),
            ev.Correct is null ? null : c.Value.Rows.Select(i => ev.Correct[i]).ToArray())).ToList());
    }

    private static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
