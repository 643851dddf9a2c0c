using System.Globalization;
using System.Net;
using System.Text;

namespace T2.Cli.Rendering;

/// <summary>
/// A small inline-SVG chart for the HTML report: lines, points, bands, a shaded x range and reference lines, on linear or
/// log axes, scaled by its viewBox (so it fits a phone and a laptop alike). Log axes tick at decades labelled 1e4, 1e5…
/// </summary>
public sealed class SvgChart
{
    /// <param name="Class">A CSS class on the line (and its legend entry), for the page's style and its tests.</param>
    /// <param name="Dash">An SVG dash pattern overriding <paramref name="Dashed"/>'s.</param>
    public sealed record Series(string Name, double[] X, double[] Y, string Color, bool Points = false, bool Dashed = false, double Width = 2,
        string? Class = null, string? Dash = null);

    /// <summary>Maximal runs of equal flags, in order, as inclusive index ranges.</summary>
    public static List<(int Start, int End, bool Flag)> Runs(IReadOnlyList<bool> flag)
    {
        var runs = new List<(int, int, bool)>();
        for (int i = 0; i < flag.Count; )
        {
            int j = i;
            while (j + 1 < flag.Count && flag[j + 1] == flag[i]) j++;
            runs.Add((i, j, flag[i]));
            i = j + 1;
        }
        return runs;
    }

    /// <summary>The class of a line's stretches where k &lt; 1 (the plan cannot pay for one sample per query).</summary>
    public const string KBelowOneClass = "kbelow1";

    /// <summary>
    /// A line split where <paramref name="below"/> holds (k &lt; 1): the other stretches keep the line's style and name, those
    /// stretches are dotted in dark red under "…, k &lt; 1", and the line is cut between the two, so no stretch of it
    /// joins a plan that can serve a sample to one that cannot.
    /// </summary>
    public static List<Series> MarkKBelowOne(Series s, IReadOnlyList<bool> below)
    {
        if (below.Count != s.X.Length) throw new ArgumentException("one flag per point.");
        var list = new List<Series>();
        bool namedOk = false, namedBelow = false;
        foreach (var (a, b, f) in Runs(below))
        {
            double[] x = s.X[a..(b + 1)], y = s.Y[a..(b + 1)];
            // A run of one point is a dot (a line needs two).
            if (!f) { list.Add(s with { Name = namedOk ? "" : s.Name, X = x, Y = y, Points = s.Points || x.Length == 1 }); namedOk = true; }
            else
            {
                list.Add(s with { Name = namedBelow ? "" : s.Name + ", k < 1", X = x, Y = y, Color = KBelowOneColor, Points = x.Length == 1,
                    Dash = "2 3", Class = KBelowOneClass });
                namedBelow = true;
            }
        }
        return list;
    }

    public const string KBelowOneColor = "#b00020";
    public sealed record Band(string Name, double[] X, double[] Lo, double[] Hi, string Color);

    public string Title { get; init; } = "";
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    public bool LogX { get; init; }
    public bool LogY { get; init; }
    public double? YMin { get; init; }
    public double? YMax { get; init; }
    public List<Series> Lines { get; } = [];
    public List<Band> Bands { get; } = [];
    /// <summary>A shaded x interval (the fitted range) with its caption.</summary>
    public (double Lo, double Hi, string Caption)? Shade { get; set; }

    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

    private const double W = 640, H = 400, L = 70, R = 16, T = 34, B = 96;

    private double Tx(double v) => LogX ? Math.Log10(v) : v;
    private double Ty(double v) => LogY ? Math.Log10(v) : v;

    public bool IsEmpty => Lines.All(s => !s.X.Zip(s.Y).Any(p => Ok(p.First, p.Second)));

    private bool Ok(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!LogX || x > 0) && (!LogY || y > 0);

    public string Render()
    {
        var xs = new List<double>(); var ys = new List<double>();
        foreach (var s in Lines) for (int i = 0; i < s.X.Length; i++) if (Ok(s.X[i], s.Y[i])) { xs.Add(Tx(s.X[i])); ys.Add(Ty(s.Y[i])); }
        foreach (var b in Bands)
            for (int i = 0; i < b.X.Length; i++)
                foreach (var v in new[] { b.Lo[i], b.Hi[i] }) if (Ok(b.X[i], v)) { xs.Add(Tx(b.X[i])); ys.Add(Ty(v)); }
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{Esc(Title)}\" xmlns=\"http://www.w3.org/2000/svg\">");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"20\" text-anchor=\"middle\" class=\"ct\">{Esc(Title)}</text>");
        if (xs.Count == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"{H / 2}\" text-anchor=\"middle\" class=\"empty\">no data to draw</text></svg>");
            return sb.ToString();
        }
        double x0 = xs.Min(), x1 = xs.Max(), y0 = YMin is { } a ? Ty(a) : ys.Min(), y1 = YMax is { } b2 ? Ty(b2) : ys.Max();
        if (x1 - x0 < 1e-12) { x0 -= 0.5; x1 += 0.5; }
        if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
        double padY = (y1 - y0) * 0.05; if (YMin is null) y0 -= padY; if (YMax is null) y1 += padY;
        double Px(double v) => L + (v - x0) / (x1 - x0) * (W - L - R);
        double Py(double v) => H - B - (v - y0) / (y1 - y0) * (H - T - B);
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        // Shaded fitted range.
        if (Shade is { } sh)
        {
            double a0 = Math.Clamp(Px(Tx(sh.Lo)), L, W - R), a1 = Math.Clamp(Px(Tx(sh.Hi)), L, W - R);
            if (a1 > a0)
                sb.Append($"<rect x=\"{F(a0)}\" y=\"{F(T)}\" width=\"{F(a1 - a0)}\" height=\"{F(H - T - B)}\" class=\"shade\"><title>{Esc(sh.Caption)}</title></rect>");
        }
        // Axes and ticks.
        sb.Append($"<rect x=\"{F(L)}\" y=\"{F(T)}\" width=\"{F(W - L - R)}\" height=\"{F(H - T - B)}\" class=\"frame\"/>");
        foreach (var (v, label) in Ticks(x0, x1, LogX))
        {
            double px = Px(v);
            sb.Append($"<line x1=\"{F(px)}\" y1=\"{F(H - B)}\" x2=\"{F(px)}\" y2=\"{F(T)}\" class=\"gl\"/><text x=\"{F(px)}\" y=\"{F(H - B + 16)}\" text-anchor=\"middle\" class=\"tick\">{label}</text>");
        }
        foreach (var (v, label) in Ticks(y0, y1, LogY))
        {
            double py = Py(v);
            sb.Append($"<line x1=\"{F(L)}\" y1=\"{F(py)}\" x2=\"{F(W - R)}\" y2=\"{F(py)}\" class=\"gl\"/><text x=\"{F(L - 6)}\" y=\"{F(py + 4)}\" text-anchor=\"end\" class=\"tick\">{label}</text>");
        }
        sb.Append($"<text x=\"{F((L + W - R) / 2)}\" y=\"{F(H - B + 36)}\" text-anchor=\"middle\" class=\"al\">{Esc(XLabel)}</text>");
        sb.Append($"<text transform=\"translate(16 {F((T + H - B) / 2)}) rotate(-90)\" text-anchor=\"middle\" class=\"al\">{Esc(YLabel)}</text>");
        sb.Append($"<clipPath id=\"c{GetHashCode()}\"><rect x=\"{F(L)}\" y=\"{F(T)}\" width=\"{F(W - L - R)}\" height=\"{F(H - T - B)}\"/></clipPath><g clip-path=\"url(#c{GetHashCode()})\">");
        foreach (var b in Bands)
        {
            var up = new List<string>(); var down = new List<string>();
            for (int i = 0; i < b.X.Length; i++)
                if (Ok(b.X[i], b.Lo[i]) && Ok(b.X[i], b.Hi[i])) { up.Add($"{F(Px(Tx(b.X[i])))},{F(Py(Ty(b.Hi[i])))}"); down.Add($"{F(Px(Tx(b.X[i])))},{F(Py(Ty(b.Lo[i])))}"); }
            down.Reverse();
            if (up.Count > 1) sb.Append($"<polygon points=\"{string.Join(' ', up.Concat(down))}\" fill=\"{b.Color}\" fill-opacity=\"0.18\" stroke=\"none\"><title>{Esc(b.Name)}</title></polygon>");
        }
        foreach (var s in Lines)
        {
            var pts = Enumerable.Range(0, s.X.Length).Where(i => Ok(s.X[i], s.Y[i])).Select(i => (Px(Tx(s.X[i])), Py(Ty(s.Y[i])))).ToList();
            string cls = s.Class is null ? "" : $" class=\"{Esc(s.Class)}\"";
            string dash = s.Dash is { } d ? $" stroke-dasharray=\"{Esc(d)}\"" : s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            if (s.Points)
                foreach (var (px, py) in pts) sb.Append($"<circle{cls} cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"4\" fill=\"{s.Color}\" fill-opacity=\"0.8\"/>");
            else if (pts.Count > 1)
                sb.Append($"<polyline{cls} points=\"{string.Join(' ', pts.Select(p => $"{F(p.Item1)},{F(p.Item2)}"))}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"{F(s.Width)}\"{dash}/>");
        }
        sb.Append("</g>");
        // Legend under the plot, wrapping into rows of three.
        var named = Lines.Where(s => s.Name.Length > 0).Select(s => (s.Name, s.Color, s.Points && s.Class is null, s.Dashed || s.Dash is not null))
            .Concat(Bands.Select(b => (b.Name, b.Color, false, false))).ToList();
        if (Shade is { } sh2) named.Add((sh2.Caption, "#999", false, false));
        for (int i = 0; i < named.Count; i++)
        {
            double lx = L + (i % 3) * ((W - L - R) / 3), ly = H - B + 52 + (i / 3) * 16;
            var (name, color, points, dashed) = named[i];
            sb.Append(points
                ? $"<circle cx=\"{F(lx + 8)}\" cy=\"{F(ly - 4)}\" r=\"4\" fill=\"{color}\"/>"
                : $"<line x1=\"{F(lx)}\" y1=\"{F(ly - 4)}\" x2=\"{F(lx + 16)}\" y2=\"{F(ly - 4)}\" stroke=\"{color}\" stroke-width=\"3\"{(dashed ? " stroke-dasharray=\"4 3\"" : "")}/>");
            sb.Append($"<text x=\"{F(lx + 20)}\" y=\"{F(ly)}\" class=\"lg\">{Esc(Trim(name, 30))}<title>{Esc(name)}</title></text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private static IEnumerable<(double V, string Label)> Ticks(double lo, double hi, bool log)
    {
        if (log)
        {
            int a = (int)Math.Ceiling(lo - 1e-9), b = (int)Math.Floor(hi + 1e-9);
            int step = Math.Max(1, (b - a + 1) / 7 + ((b - a + 1) % 7 > 0 ? 1 : 0));
            if (b < a) { yield return ((lo + hi) / 2, Label(Math.Pow(10, (lo + hi) / 2))); yield break; }
            for (int e = a; e <= b; e += step) yield return (e, e is >= 0 and <= 3 ? Math.Pow(10, e).ToString(CultureInfo.InvariantCulture) : e is < 0 and >= -2 ? Math.Pow(10, e).ToString("0.##", CultureInfo.InvariantCulture) : $"1e{e}");
            // Under two decades, 2× and 5× ticks too, so a short log axis still reads.
            if (hi - lo < 2)
                for (int e = a - 1; e <= b; e++)
                    foreach (double m in new[] { 2.0, 5.0 })
                    {
                        double v = e + Math.Log10(m);
                        if (v >= lo && v <= hi) yield return (v, Label(m * Math.Pow(10, e)));
                    }
            yield break;
        }
        double span = hi - lo, raw = span / 6, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double stepL = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * mag).First(s => s >= raw);
        for (double v = Math.Ceiling(lo / stepL) * stepL; v <= hi + 1e-9 * span; v += stepL) yield return (v, Label(v));
    }

    private static string Label(double v) => Math.Abs(v) < 1e-12 ? "0" : T2.Core.Health.Num.G(v, 3);

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
