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
}
