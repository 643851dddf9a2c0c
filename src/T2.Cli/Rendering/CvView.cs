using System.Text.Json;
using Spectre.Console;
using T2.Core.Fitting;

namespace T2.Cli.Rendering;

/// <summary>Cross-validation as a table (one row per left-out size) and as JSON (<c>cv: {scheme, seconds, folds: […]}</c>).</summary>
public static class CvView
{
    private static string Pct(double? v) => v is { } x ? $"{100 * x:0.0} %" : "—";

    public static void Write(IAnsiConsole console, string title, CvResult cv)
    {
        console.MarkupLine($"[bold]{Markup.Escape(title)}[/]: scheme {cv.Scheme}, metric {cv.Metric}, {cv.Folds.Select(f => f.Fold).Distinct().Count()} refit(s) in {cv.Seconds:0.00} s; " +
            $"mean |relative error| {Pct(cv.MeanRelativeError)} (signed {Pct(cv.MeanSignedRelativeError)}; + = over-predicts)");
        var rows = cv.Folds.Select(f => new[]
        {
            f.Fold.ToString(), Format.Sig(f.LeftOutN), f.TrainSizes.ToString(), f.Points.ToString(), Pct(f.RelativeError), Pct(f.SignedRelativeError),
            Markup.Escape(f.Impossible is null ? "" : "impossible: " + f.Impossible),
        }).ToList();
        Tables.Write(console, ["fold", "left-out N", "sizes fitted", "points", "|rel. error|", "signed", "note"], rows,
            new HashSet<int> { 1, 2, 3, 4, 5 }, new HashSet<int> { 6 });
    }

    public static void Write(Utf8JsonWriter w, string name, CvResult cv)
    {
        w.WriteStartObject(name);
        w.WriteString("scheme", cv.Scheme); w.WriteString("metric", cv.Metric); w.Number("seconds", cv.Seconds);
        if (cv.MeanRelativeError is { } m) w.Number("mean_relative_error", m); else w.WriteNull("mean_relative_error");
        if (cv.MeanSignedRelativeError is { } s) w.Number("mean_signed_relative_error", s); else w.WriteNull("mean_signed_relative_error");
        w.WriteStartArray("folds");
        foreach (var f in cv.Folds)
        {
            w.WriteStartObject();
            w.WriteNumber("fold", f.Fold); w.Number("left_out_N", f.LeftOutN); w.WriteNumber("train_sizes", f.TrainSizes); w.WriteNumber("points", f.Points);
            if (f.RelativeError is { } a) w.Number("relative_error", a); else w.WriteNull("relative_error");
            if (f.SignedRelativeError is { } b) w.Number("signed_relative_error", b); else w.WriteNull("signed_relative_error");
            if (f.Impossible is not null) w.WriteString("impossible", f.Impossible);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
