using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace T2.Cli.Data;

/// <summary>
/// A table read from CSV (with a header) or JSONL (one object per line), kept as strings with the source line of
/// every row so that any later error can name file, line and column.
/// </summary>
public sealed class DataTable
{
    public required string Path { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required List<DataRow> Rows { get; init; }

    public bool Has(string column) => Columns.Contains(column, StringComparer.Ordinal);

    public int IndexOf(string column)
    {
        for (int i = 0; i < Columns.Count; i++) if (Columns[i] == column) return i;
        throw new InputException(Path, 1, column, $"no such column (columns: {string.Join(", ", Columns)}).");
    }

    /// <summary>The first of <paramref name="candidates"/> present, or null.</summary>
    public string? FirstPresent(params string[] candidates) => candidates.FirstOrDefault(Has);

    /// <summary>Reads CSV or JSONL (chosen by extension: .jsonl/.ndjson/.json = JSON lines; anything else = CSV).</summary>
    public static DataTable Read(string path)
    {
        FitFileIo.CheckReadable(path, "data file");
        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        var table = ext is ".jsonl" or ".ndjson" or ".json" ? ReadJsonl(path) : ReadCsv(path);
        if (table.Rows.Count == 0) throw new InputException(path, 0, null, "the file has no data rows.");
        return table;
    }

    private static DataTable ReadCsv(string path)
    {
        if (new FileInfo(path).Length == 0) throw new InputException(path, 0, null, "the file is empty (no header line).");
        var options = new CsvReaderOptions { HasHeader = true, TrackLineNumbers = true, SkipEmptyLines = true };
        try
        {
            // Strict UTF-8 first: Sylvan, like every .NET reader, would replace a Latin-1 byte silently.
            using var reader = CsvReader.Create(new StringReader(T2.IO.StrictText.ReadAll(path)), options);
            var header = reader.Headers.Select(h => h.Trim()).ToArray();
            if (header.Length == 0 || header.All(h => h.Length == 0)) throw new InputException(path, 1, null, "the header line is empty.");
            var dup = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new InputException(path, 1, dup.Key, "the header names this column twice.");
            var rows = new List<DataRow>();
            while (reader.Read())
            {
                int line = (int)reader.LineNumber;
                if (reader.FieldCount != header.Length)
                    throw new InputException(path, line, null, $"{reader.FieldCount} fields where the header has {header.Length}.");
                var rec = new string[header.Length];
                for (int i = 0; i < rec.Length; i++) rec[i] = reader.GetString(i);
                rows.Add(new DataRow(line, rec));
            }
            return new DataTable { Path = path, Columns = header, Rows = rows };
        }
        catch (CsvFormatException e) { throw new InputException(path, 0, null, $"malformed CSV: {e.Message}"); }
    }

    private static DataTable ReadJsonl(string path)
    {
        var columns = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var raw = new List<(int Line, Dictionary<int, string> Values)>();
        foreach (var (lineNo, line) in T2.IO.StrictText.Lines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new InputException(path, lineNo, null, $"not valid JSON ({e.Message.Split('.')[0]})."); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InputException(path, lineNo, null, "each line must be a JSON object.");
                var values = new Dictionary<int, string>();
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (!index.TryGetValue(p.Name, out int ci)) { ci = columns.Count; columns.Add(p.Name); index[p.Name] = ci; }
                    values[ci] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Null => "",
                        JsonValueKind.True => "1",
                        JsonValueKind.False => "0",
                        _ => p.Value.GetRawText(),
                    };
                }
                raw.Add((lineNo, values));
            }
        }
        var rows = raw.Select(r =>
        {
            var v = new string[columns.Count];
            for (int i = 0; i < v.Length; i++) v[i] = r.Values.TryGetValue(i, out var s) ? s : "";
            return new DataRow(r.Line, v);
        }).ToList();
        return new DataTable { Path = path, Columns = columns, Rows = rows };
    }

    /// <summary>
    /// Keeps rows where every filter matches. A filter is COL=VALUE or COL!=VALUE (numeric when VALUE is a number, else exact
    /// text), or COL&gt;=V, COL&lt;=V, COL&gt;V, COL&lt;V (V a number). Against a number, a blank or non-numeric cell never matches.
    /// </summary>
    public DataTable Where(IEnumerable<string> filters)
    {
        var parsed = new List<(int Col, string Op, string Value)>();
        foreach (var f in filters)
        {
            var (col, op, value) = SplitFilter(f);
            if (!Has(col)) throw new InputException(Path, 1, col, $"--where names a column the file does not have (columns: {string.Join(", ", Columns)}).");
            if (op is not ("=" or "!=") && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                throw new UsageException($"--where '{f}': {op} needs a number on the right.");
            parsed.Add((IndexOf(col), op, value));
        }
        if (parsed.Count == 0) return this;
        var kept = Rows.Where(r => parsed.All(p => Matches(r, p.Col, p.Op, p.Value))).ToList();
        if (kept.Count == 0) throw new InputException(Path, 0, null, $"no row matches --where {string.Join(" --where ", filters)}.");
        return new DataTable { Path = Path, Columns = Columns, Rows = kept };
    }

    private static (string Col, string Op, string Value) SplitFilter(string f)
    {
        foreach (var op in new[] { ">=", "<=", "!=", ">", "<", "=" })
        {
            int i = f.IndexOf(op, StringComparison.Ordinal);
            if (i > 0) return (f[..i].Trim(), op, f[(i + op.Length)..].Trim());
        }
        throw new UsageException($"--where '{f}': expected COLUMN=VALUE (or !=, >=, <=, >, <).");
    }

    // A comparison against a number is numeric for every operator (=, !=, >=, <=, >, <): a blank or non-numeric cell never
    // matches it (so "COL!=2" does not keep blanks or text). Only against text do = and != compare text exactly.
    private static bool Matches(DataRow row, int col, string op, string value)
    {
        string cell = row.Values[col].Trim();
        bool rightNumeric = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var b);
        if (!rightNumeric)
        {
            bool eq = string.Equals(cell, value, StringComparison.Ordinal);
            return op == "=" ? eq : !eq;
        }
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)) return false;
        return op switch { "=" => a == b, "!=" => a != b, ">=" => a >= b, "<=" => a <= b, ">" => a > b, _ => a < b };
    }

    /// <summary>A finite number from a cell, or an error naming file, line and column.</summary>
    public double Number(DataRow row, int col)
    {
        var s = row.Values[col].Trim();
        if (s.Length == 0) throw new InputException(Path, row.Line, Columns[col], "empty; a number is required.");
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new InputException(Path, row.Line, Columns[col], $"'{s}' is not a number.");
        if (!double.IsFinite(v)) throw new InputException(Path, row.Line, Columns[col], $"'{s}' is not finite.");
        return v;
    }

    /// <summary>A non-negative integer count from a cell (accepts "10000.0").</summary>
    public long Count(DataRow row, int col)
    {
        double v = Number(row, col);
        if (v < 0 || v != Math.Floor(v) || v > 9e15) throw new InputException(Path, row.Line, Columns[col], $"'{row.Values[col]}' is not a non-negative integer count.");
        return (long)v;
    }
}

/// <summary>One data row with its 1-based line number in the source file.</summary>
public sealed record DataRow(int Line, string[] Values);

/// <summary>A command-line usage error (exit 2).</summary>
public sealed class UsageException(string message) : Exception(message);
