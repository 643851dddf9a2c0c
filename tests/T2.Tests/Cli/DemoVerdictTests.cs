using T2.Cli.Commands;

namespace T2.Tests.Cli;

/// <summary>The demo's verdict says no more than the seeds allow (issue 21, item 6).</summary>
public class DemoVerdictTests
{
    [Theory]
    [InlineData(new[] { 0.16, 0.17 }, new[] { 0.12, 0.13 }, "the T² plan wins, beyond the seed spread")]
    [InlineData(new[] { 0.159, 0.159 }, new[] { 0.152, 0.126 }, "the T² plan wins, beyond the seed spread")]
    [InlineData(new[] { 0.15, 0.17 }, new[] { 0.12, 0.16 }, "a tie within the seed spread")]
    [InlineData(new[] { 0.10, 0.11 }, new[] { 0.12, 0.13 }, "the T² plan loses, beyond the seed spread")]
    public void Compare_CallsAWinOnlyBeyondTheSeedSpread(double[] t2, double[] chinchilla, string said) =>
        Assert.Equal(said, DemoCommand.Compare(t2, chinchilla, t2.Average() / chinchilla.Average(), higherIsBetter: true,
            "the T² plan wins", "the T² plan loses"));

    [Fact]
    public void Compare_LowerIsBetter_ForNll_AndOneSeedIsSaidToBeUnreplicated()
    {
        // README's quick preset, Approach 1: 7.166 (7.218, 7.114) against 7.137 (7.096, 7.178): a tie.
        Assert.Equal("a tie within the seed spread",
            DemoCommand.Compare([7.218, 7.114], [7.096, 7.178], 7.137 / 7.166, higherIsBetter: false, "w", "l"));
        Assert.Equal("w, beyond the seed spread", DemoCommand.Compare([1.0, 1.1], [1.5, 1.6], 1.55 / 1.05, higherIsBetter: false, "w", "l"));
        Assert.StartsWith("w (one seed a side", DemoCommand.Compare([1.0], [2.0], 2.0, higherIsBetter: false, "w", "l"));
    }

    [Fact]
    public void Verdict_NamesTheFamilyThatLost_AndQuotesTheSeeds()
    {
        const string json = """
        {"table1": [], "rq2": [],
         "rq1": [
          {"task": "macro", "approach": "2", "metric": "acc_k",
           "planned": {"N": 12200, "k": 9.3, "predicted": 0.141}, "measured": {"mean": 0.159, "seeds": [0.159, 0.159]},
           "chinchilla": {"N": 19400, "k": 5.8, "predicted": 0.139, "measured": 0.139, "seeds": [0.152, 0.126]}},
          {"task": "spatial", "approach": "2", "metric": "acc_k",
           "planned": {"N": 12200, "k": 9.3, "predicted": 0.02}, "measured": {"mean": 0.0217, "seeds": [0.02, 0.0234]},
           "chinchilla": {"N": 19400, "k": 5.8, "predicted": 0.03, "measured": 0.0367, "seeds": [0.03, 0.0434]}},
          {"task": "analogy", "approach": "2", "metric": "acc_k",
           "planned": {"N": 12200, "k": 9.3, "predicted": 0.5}, "measured": {"mean": 0.568, "seeds": [0.56, 0.576]},
           "chinchilla": {"N": 19400, "k": 5.8, "predicted": 0.5, "measured": 0.481, "seeds": [0.47, 0.492]}}
         ]}
        """;
        var lines = DemoCommand.Verdict(json);
        string rq1 = Assert.Single(lines, l => l.StartsWith("RQ1 (macro, Approach 2", StringComparison.Ordinal));
        Assert.Contains("seeds 15.9 %, 15.9 %", rq1);
        Assert.Contains("seeds 15.2 %, 12.6 %", rq1);
        Assert.Contains("1.14×", rq1);
        Assert.Contains("the T² plan wins, beyond the seed spread", rq1);
        Assert.Contains("the T² model lost on spatial (2.17 % vs 3.67 %)", rq1);
        Assert.DoesNotContain("analogy", rq1);
        Assert.Contains("Table 1: not computed", lines[0]);
    }
}
