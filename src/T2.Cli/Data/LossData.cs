namespace T2.Cli.Data;

/// <summary>(N, D, loss) points pulled from a table, with the source line of each point.</summary>
public sealed record LossData(double[] N, double[] D, double[] Loss, double[]? Weights, int[] Lines, string NColumn, string DColumn, string LossColumn)
{
    public static readonly string[] NNames = ["N_params", "params", "N", "Model Size", "Parameters", "n_params"];
    public static readonly string[] DNames = ["D_tokens", "tokens", "D", "Training Tokens", "Tokens", "d_tokens"];
    public static readonly string[] LossNames = ["loss", "Loss", "Smoothed Loss", "val_loss"];
    public static readonly string[] CNames = ["C_flops", "flops", "C", "Training FLOP", "compute"];

    /// <summary>Resolves the columns (explicit names win over recognised ones) and validates every value.</summary>
    public static LossData From(DataTable t, string? nCol, string? dCol, string? lossCol, string? cCol, string? weightCol)
    {
        string nName = Resolve(t, nCol, NNames, "N (parameters)", "--n-col");
        string lName = Resolve(t, lossCol, LossNames, "loss", "--loss-col");
        string? dName = dCol ?? t.FirstPresent(DNames);
        string? cName = null;
        if (dCol is not null && !t.Has(dCol)) throw new InputException(t.Path, 1, dCol, $"--d-col names a column the file does not have (columns: {string.Join(", ", t.Columns)}).");
        if (dName is null)
        {
            cName = cCol ?? t.FirstPresent(CNames);
            if (cName is null || !t.Has(cName))
                throw new InputException(t.Path, 1, null, $"no training-tokens column ({string.Join("/", DNames)}) and no FLOPs column ({string.Join("/", CNames)}) to derive D = C/6N; name one with --d-col or --c-col.");
        }
        int ni = t.IndexOf(nName), li = t.IndexOf(lName);
        int di = dName is null ? -1 : t.IndexOf(dName), ci = cName is null ? -1 : t.IndexOf(cName);
        int wi = -1;
        if (weightCol is not null)
        {
            if (!t.Has(weightCol)) throw new InputException(t.Path, 1, weightCol, "--weight-col names a column the file does not have.");
            wi = t.IndexOf(weightCol);
        }
        int m = t.Rows.Count;
        var n = new double[m]; var d = new double[m]; var l = new double[m]; var lines = new int[m];
        var w = wi >= 0 ? new double[m] : null;
        for (int r = 0; r < m; r++)
        {
            var row = t.Rows[r];
            lines[r] = row.Line;
            n[r] = Positive(t, row, ni);
            l[r] = Positive(t, row, li);
            d[r] = di >= 0 ? Positive(t, row, di) : Positive(t, row, ci) / (6 * n[r]);
            // Beyond 1e30 parameters or tokens is a typo or a unit mix-up, not a model (T2.Core.Planning.Limits).
            if (n[r] > T2.Core.Planning.Limits.MaxCount) throw new InputException(t.Path, row.Line, t.Columns[ni], $"{row.Values[ni]} exceeds 1e30 parameters.");
            if (d[r] > T2.Core.Planning.Limits.MaxCount) throw new InputException(t.Path, row.Line, di >= 0 ? t.Columns[di] : t.Columns[ci], "D exceeds 1e30 tokens.");
            if (w is not null)
            {
                w[r] = t.Number(row, wi);
                if (w[r] < 0) throw new InputException(t.Path, row.Line, t.Columns[wi], "a weight must be ≥ 0.");
            }
        }
        if (m < T2.Core.Fitting.ChinchillaFit.ParameterCount)
            throw new InputException(t.Path, 0, null, $"{m} points for {T2.Core.Fitting.ChinchillaFit.ParameterCount} parameters: the loss law needs at least {T2.Core.Fitting.ChinchillaFit.ParameterCount}.");
        return new LossData(n, d, l, w, lines, nName, dName ?? $"{cName}/6N", lName);
    }

    private static double Positive(DataTable t, DataRow row, int col)
    {
        double v = t.Number(row, col);
        if (!(v > 0)) throw new InputException(t.Path, row.Line, t.Columns[col], $"{row.Values[col]} must be > 0.");
        return v;
    }

    public static string Resolve(DataTable t, string? explicitName, string[] names, string what, string flag)
    {
        if (explicitName is not null)
        {
            if (!t.Has(explicitName)) throw new InputException(t.Path, 1, explicitName, $"{flag} names a column the file does not have (columns: {string.Join(", ", t.Columns)}).");
            return explicitName;
        }
        return t.FirstPresent(names) ?? throw new InputException(t.Path, 1, null,
            $"no {what} column: expected one of {string.Join(", ", names)}, or name it with {flag} (columns: {string.Join(", ", t.Columns)}).");
    }
}
