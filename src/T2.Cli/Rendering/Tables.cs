using Spectre.Console;

namespace T2.Cli.Rendering;

/// <summary>
/// Tables that never break a number: cells do not wrap; when the table is wider than the console (80 columns when piped,
/// or COLUMNS), each row is printed as a list of "column: value" instead.
/// </summary>
public static class Tables
{
    public static void Write(IAnsiConsole console, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows, ISet<int>? rightAligned = null,
        ISet<int>? wrap = null)
    {
        int cols = headers.Count;
        var width = new int[cols];
        for (int c = 0; c < cols; c++) width[c] = Markup.Remove(headers[c]).Length;
        foreach (var r in rows) for (int c = 0; c < cols; c++) if (wrap is null || !wrap.Contains(c)) width[c] = Math.Max(width[c], Markup.Remove(r[c]).Length);
        // A column that may wrap (free text) still needs room for its longest word.
        if (wrap is not null)
            foreach (int c in wrap)
                width[c] = Math.Max(Markup.Remove(headers[c]).Length,
                    Math.Min(40, rows.Select(r => Markup.Remove(r[c]).Split(' ').Max(w => w.Length)).DefaultIfEmpty(0).Max()));
        int total = width.Sum() + 3 * cols + 1;
        if (total <= console.Profile.Width)
        {
            var t = new Table().Border(TableBorder.Rounded);
            for (int c = 0; c < cols; c++)
            {
                var col = new TableColumn(headers[c]);
                if (wrap is null || !wrap.Contains(c)) col.NoWrap();
                if (rightAligned?.Contains(c) == true) col.RightAligned();
                t.AddColumn(col);
            }
            foreach (var r in rows) t.AddRow(r);
            console.Write(t);
            return;
        }
        foreach (var r in rows)
            console.MarkupLine("• " + string.Join("; ", Enumerable.Range(0, cols).Select(c => $"{headers[c]}: {r[c]}")));
    }
}
