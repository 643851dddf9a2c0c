using System.Text.Json;
using Spectre.Console;
using T2.Core.Fitting;

namespace T2.Cli.Rendering;

/// <summary>Cross-validation as a table (one row per left-out size) and as JSON (<c>cv: {scheme, seconds, folds: […]}</c>).</summary>
public static class CvView
{
    private static string Pct(double? v) => Format.Percent(v);

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
        if (cv.MeanStageTwoRelativeError is { } s2)
            console.MarkupLine(Markup.Escape($"which stage misses: stage 1's loss on the left-out checkpoints, signed {Pct(cv.MeanStageOneSignedRelativeError)} " +
                $"(− = optimistic: it predicts a lower loss); stage 2 fed their observed loss, |rel. error| {Pct(s2)} (signed {Pct(cv.MeanStageTwoSignedRelativeError)}) " +
                "— the error left with a perfect stage 1."));
    }

    public static void Write(Utf8JsonWriter w, string name, CvResult cv)
    {
        w.WriteStartObject(name);
        w.WriteString("scheme", cv.Scheme); w.WriteString("metric", cv.Metric); w.Number("seconds", cv.Seconds);
        if (cv.MeanRelativeError is { } m) w.Number("mean_relative_error", m); else w.WriteNull("mean_relative_error");
        if (cv.MeanSignedRelativeError is { } s) w.Number("mean_signed_relative_error", s); else w.WriteNull("mean_signed_relative_error");
        if (cv.MeanStageTwoRelativeError is { } m2)
        {
            if (cv.MeanStageOneSignedRelativeError is { } m1) w.Number("mean_stage1_signed_relative_error", m1); else w.WriteNull("mean_stage1_signed_relative_error");
            w.Number("mean_stage2_relative_error", m2);
            if (cv.MeanStageTwoSignedRelativeError is { } m2s) w.Number("mean_stage2_signed_relative_error", m2s); else w.WriteNull("mean_stage2_signed_relative_error");
        }
        w.WriteStartArray("folds");
        foreach (var f in cv.Folds)
        {
            w.WriteStartObject();
            w.WriteNumber("fold", f.Fold); w.Number("left_out_N", f.LeftOutN); w.WriteNumber("train_sizes", f.TrainSizes); w.WriteNumber("points", f.Points);
            if (f.RelativeError is { } a) w.Number("relative_error", a); else w.WriteNull("relative_error");
            if (f.SignedRelativeError is { } b) w.Number("signed_relative_error", b); else w.WriteNull("signed_relative_error");
            if (f.StageTwoRelativeError is { } t2)
            {
                if (f.StageOneSignedRelativeError is { } s1) w.Number("stage1_signed_relative_error", s1); else w.WriteNull("stage1_signed_relative_error");
                w.Number("stage2_relative_error", t2);
                if (f.StageTwoSignedRelativeError is { } t2s) w.Number("stage2_signed_relative_error", t2s); else w.WriteNull("stage2_signed_relative_error");
            }
            if (f.Impossible is not null) w.WriteString("impossible", f.Impossible);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
