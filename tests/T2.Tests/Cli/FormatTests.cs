using T2.Cli.Rendering;

namespace T2.Tests.Cli;

public class FormatTests
{
    [Theory]
    [InlineData(0.5, "50.0 %")]
    [InlineData(0.1, "10.0 %")]
    [InlineData(0.0523, "5.23 %")]
    [InlineData(0.000168793, "0.0169 %")]   // the tiny ladder's planned macro accuracy: not "0.0 %"
    [InlineData(7.5e-9, "7.5e-7 %")]
    [InlineData(0.0, "0.0 %")]
    [InlineData(double.NaN, "—")]
    public void Accuracy_KeepsThreeSignificantDigitsBelowTenPercent(double v, string shown) =>
        Assert.Equal(shown, Format.Accuracy(v));

    [Theory]
    [InlineData(0.088167, "8.8 %")]      // fit t2 printed "8.8167 %" where validate printed "8.8 %"
    [InlineData(-0.42, "-42.0 %")]
    [InlineData(1124.583, "112458.3 %")]
    [InlineData(double.NaN, "—")]
    public void Percent_OneDecimal_OneFormatterEverywhere(double v, string shown) => Assert.Equal(shown, Format.Percent(v));

    [Fact]
    public void KindsLine_SaysWhichRunsAFitUsed_AndHowToSelectTheIsoFlopOnes()
    {
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["isoflop"] = 19, ["overtrained"] = 3, ["extra"] = 8 };
        var data = new T2.Cli.Data.FitFile.DataInfo("e.csv", "", 1, 1, "N", "D", kinds);
        string line = T2FitReport.KindsLine(data)!;
        Assert.StartsWith("fitted on 30 checkpoints by kind: extra 8, isoflop 19, overtrained 3", line);
        Assert.Contains("--where kind=isoflop", line);
        var iso = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["isoflop"] = 19 };
        Assert.DoesNotContain("--where", T2FitReport.KindsLine(data with { CheckpointsByKind = iso })!);
        Assert.Null(T2FitReport.KindsLine(data with { CheckpointsByKind = null }));
    }
}
