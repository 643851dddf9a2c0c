namespace T2.Cli.Data;

/// <summary>Per-question evidence: either answer NLLs or sample counts (n, c), with the columns used.</summary>
public sealed record QuestionEvidence(DataTable Table, int[] Rows, double[]? Nll, long[]? Samples, long[]? Correct, string Kind)
{
    public static readonly string[] SampleNames = ["num_samples", "n", "samples"];
    public static readonly string[] CorrectNames = ["num_correct", "c", "correct"];
    public static readonly string[] NllNames = ["nll", "answer_nll"];

    /// <summary>Reads counts when a samples/correct pair is present (or named), else NLL.</summary>
    public static QuestionEvidence From(DataTable t, string? samplesCol, string? correctCol, string? nllCol)
    {
        string? s = samplesCol ?? t.FirstPresent(SampleNames);
        string? c = correctCol ?? t.FirstPresent(CorrectNames);
        string? nl = nllCol ?? t.FirstPresent(NllNames);
        foreach (var (flag, col) in new[] { ("--samples-col", samplesCol), ("--correct-col", correctCol), ("--nll-col", nllCol) })
            if (col is not null && !t.Has(col)) throw new InputException(t.Path, 1, col, $"{flag} names a column the file does not have (columns: {string.Join(", ", t.Columns)}).");
        int m = t.Rows.Count;
        var rows = Enumerable.Range(0, m).ToArray();
        if (nllCol is null && s is not null && c is not null)
        {
            int si = t.IndexOf(s), ci = t.IndexOf(c);
            var n = new long[m]; var k = new long[m];
            for (int r = 0; r < m; r++)
            {
                var row = t.Rows[r];
                n[r] = t.Count(row, si); k[r] = t.Count(row, ci);
                if (n[r] < 1) throw new InputException(t.Path, row.Line, s, "a question needs at least one sample.");
                if (k[r] > n[r]) throw new InputException(t.Path, row.Line, c, $"{k[r]} correct out of {n[r]} samples (c > n).");
            }
            return new QuestionEvidence(t, rows, null, n, k, "counts");
        }
        if (nl is not null)
        {
            int ni = t.IndexOf(nl);
            var v = new double[m];
            for (int r = 0; r < m; r++)
            {
                var row = t.Rows[r];
                v[r] = t.Number(row, ni);
                if (v[r] < 0) throw new InputException(t.Path, row.Line, nl, $"{row.Values[ni]}: an NLL must be ≥ 0.");
            }
            return new QuestionEvidence(t, rows, v, null, null, "nll");
        }
        throw new InputException(t.Path, 1, null,
            $"no per-question evidence: expected {string.Join("/", SampleNames)} with {string.Join("/", CorrectNames)}, or {string.Join("/", NllNames)} (columns: {string.Join(", ", t.Columns)}).");
    }
}
