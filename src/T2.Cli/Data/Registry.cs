namespace T2.Cli.Data;

/// <summary>One row of a model registry: a ladder's checkpoints with N and D (never guessed) and where each is served.</summary>
public sealed record RegistryRow(int Line, string Name, double Params, double Tokens, string? Endpoint, string? Model);

/// <summary>Reads a registry CSV (or JSONL): name, params, tokens, and for 't2 eval' endpoint and model.</summary>
public static class Registry
{
    public static List<RegistryRow> Read(string path)
    {
        var t = DataTable.Read(path);
        foreach (var c in new[] { "name", "params", "tokens" })
            if (!t.Has(c)) throw new InputException(path, 1, c, $"the registry has no '{c}' column (needs name, params, tokens[, endpoint, model]).");
        int ni = t.IndexOf("name"), pi = t.IndexOf("params"), ti = t.IndexOf("tokens");
        int ei = t.Has("endpoint") ? t.IndexOf("endpoint") : -1, mi = t.Has("model") ? t.IndexOf("model") : -1;
        var rows = new List<RegistryRow>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in t.Rows)
        {
            string name = r.Values[ni].Trim();
            if (name.Length == 0) throw new InputException(path, r.Line, "name", "empty.");
            if (!names.Add(name)) throw new InputException(path, r.Line, "name", $"'{name}' appears twice.");
            double n = t.Number(r, pi), d = t.Number(r, ti);
            if (!(n >= 1) || n > T2.Core.Planning.Limits.MaxCount) throw new InputException(path, r.Line, "params", $"{n} must lie in [1, 1e30].");
            if (!(d >= 1) || d > T2.Core.Planning.Limits.MaxCount) throw new InputException(path, r.Line, "tokens", $"{d} must lie in [1, 1e30].");
            string? Cell(int i) => i < 0 || r.Values[i].Trim().Length == 0 ? null : r.Values[i].Trim();
            rows.Add(new RegistryRow(r.Line, name, n, d, Cell(ei), Cell(mi)));
        }
        return rows;
    }
}
