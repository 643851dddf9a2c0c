using T2.Core.Special;

namespace T2.Tests.Core;

public class BetaFunctionsTests
{
    // References: 50-digit mpmath values from tools/beta_reference.py (log B(a, b+k) − log B(a, b)).
    [Theory]
    [InlineData(0.001, 0.001, 1.0, -0.69314718055994530942)]
    [InlineData(0.001, 0.001, 3.5, -0.69482558367557897369)]
    [InlineData(0.001, 0.001, 64.0, -0.69787300548456773838)]
    [InlineData(0.001, 0.001, 100.0, -0.69832210855236396131)]
    [InlineData(0.001, 0.001, 12345.5, -0.7031429381480530769)]
    [InlineData(0.001, 0.001, 1000000.0, -0.70753744168395790833)]
    [InlineData(0.001, 0.3, 1.0, -0.003327790092674669147)]
    [InlineData(0.001, 0.3, 3.5, -0.0046942542760627394687)]
    [InlineData(0.001, 0.3, 64.0, -0.0076521853175712672154)]
    [InlineData(0.001, 0.3, 100.0, -0.0080995914310565150536)]
    [InlineData(0.001, 0.3, 12345.5, -0.012917444798062952699)]
    [InlineData(0.001, 0.3, 1000000.0, -0.017311924412932033818)]
    [InlineData(0.001, 12.0, 1.0, -0.000083329861304000290156)]
    [InlineData(0.001, 12.0, 3.5, -0.00026556343320282696358)]
    [InlineData(0.001, 12.0, 64.0, -0.0018814414583875886183)]
    [InlineData(0.001, 12.0, 100.0, -0.0022713272969584884444)]
    [InlineData(0.001, 12.0, 12345.5, -0.0069792728941855242383)]
    [InlineData(0.001, 12.0, 1000000.0, -0.011372816928743750603)]
    [InlineData(0.001, 5000.0, 1.0, -1.9999998000000266667e-7)]
    [InlineData(0.001, 5000.0, 3.5, -6.9982500000437747185e-7)]
    [InlineData(0.001, 5000.0, 64.0, -0.000012720035050487824145)]
    [InlineData(0.001, 5000.0, 100.0, -0.000019804586248758427961)]
    [InlineData(0.001, 5000.0, 12345.5, -0.0012439663002761995731)]
    [InlineData(0.001, 5000.0, 1000000.0, -0.0053034043143674074404)]
    [InlineData(0.05, 0.001, 1.0, -3.9318256327243257716)]
    [InlineData(0.05, 0.001, 3.5, -4.0141843153206647448)]
    [InlineData(0.05, 0.001, 64.0, -4.166172369269824878)]
    [InlineData(0.05, 0.001, 100.0, -4.1886205464131533057)]
    [InlineData(0.05, 0.001, 12345.5, -4.4296498162003476431)]
    [InlineData(0.05, 0.001, 1000000.0, -4.6493748949902768695)]
    [InlineData(0.05, 0.3, 1.0, -0.15415067982725830429)]
    [InlineData(0.05, 0.3, 3.5, -0.22147537885407321741)]
    [InlineData(0.05, 0.3, 64.0, -0.36902452594708575844)]
    [InlineData(0.05, 0.3, 100.0, -0.39138790885740653802)]
    [InlineData(0.05, 0.3, 12345.5, -0.63226840407951330852)]
    [InlineData(0.05, 0.3, 1000000.0, -0.85199228682005798281)]
    [InlineData(0.05, 12.0, 1.0, -0.0041580101486636918015)]
    [InlineData(0.05, 12.0, 3.5, -0.013253417863472552307)]
    [InlineData(0.05, 12.0, 64.0, -0.093981996231780306543)]
    [InlineData(0.05, 12.0, 100.0, -0.11347105168270100939)]
    [InlineData(0.05, 12.0, 12345.5, -0.34885744587923555058)]
    [InlineData(0.05, 12.0, 1000000.0, -0.56853454969817516128)]
    [InlineData(0.05, 5000.0, 1.0, -9.9999500003333308334e-6)]
    [InlineData(0.05, 5000.0, 3.5, -0.000034991078587082770896)]
    [InlineData(0.05, 5000.0, 64.0, -0.00063599865556338965145)]
    [InlineData(0.05, 5000.0, 100.0, -0.00099022450759724947926)]
    [InlineData(0.05, 5000.0, 12345.5, -0.062198140615612769125)]
    [InlineData(0.05, 5000.0, 1000000.0, -0.26516997191360795958)]
    [InlineData(1.7, 0.001, 1.0, -7.4389715923958617621)]
    [InlineData(1.7, 0.001, 3.5, -9.2858904166113415609)]
    [InlineData(1.7, 0.001, 64.0, -14.082144515019274309)]
    [InlineData(1.7, 0.001, 100.0, -14.837510212868014775)]
    [InlineData(1.7, 0.001, 12345.5, -23.018605705653105794)]
    [InlineData(1.7, 0.001, 1000000.0, -30.489146183639302817)]
    [InlineData(1.7, 0.3, 1.0, -1.897119984885881302)]
    [InlineData(1.7, 0.3, 3.5, -3.5072897532678867344)]
    [InlineData(1.7, 0.3, 64.0, -8.1830457429638169711)]
    [InlineData(1.7, 0.3, 100.0, -8.9355883381646938798)]
    [InlineData(1.7, 0.3, 12345.5, -17.111667233298831074)]
    [InlineData(1.7, 0.3, 1000000.0, -24.582167048356848499)]
    [InlineData(1.7, 12.0, 1.0, -0.13248918304607892107)]
    [InlineData(1.7, 12.0, 3.5, -0.42451784057978403353)]
    [InlineData(1.7, 12.0, 64.0, -3.0976973607140298881)]
    [InlineData(1.7, 12.0, 100.0, -3.7544043644357448711)]
    [InlineData(1.7, 12.0, 12345.5, -11.745142176986107233)]
    [InlineData(1.7, 12.0, 1000000.0, -19.214051616248740608)]
    [InlineData(1.7, 5000.0, 1.0, -0.00033994221309799340178)]
    [InlineData(1.7, 5000.0, 3.5, -0.0011895004658459319849)]
    [InlineData(1.7, 5000.0, 64.0, -0.021620409382845885496)]
    [InlineData(1.7, 5000.0, 100.0, -0.033662133439790937316)]
    [InlineData(1.7, 5000.0, 12345.5, -2.1145371419228515873)]
    [InlineData(1.7, 5000.0, 1000000.0, -9.0154999452590501654)]
    [InlineData(40.0, 0.001, 1.0, -10.596659732783578563)]
    [InlineData(40.0, 0.001, 3.5, -18.723001141180807112)]
    [InlineData(40.0, 0.001, 64.0, -76.877112281566562963)]
    [InlineData(40.0, 0.001, 100.0, -91.416526542867841153)]
    [InlineData(40.0, 0.001, 12345.5, -277.17673528739097525)]
    [InlineData(40.0, 0.001, 1000000.0, -452.89294463300930155)]
    [InlineData(40.0, 0.3, 1.0, -4.9003242732785732906)]
    [InlineData(40.0, 0.3, 3.5, -12.59266638624294972)]
    [InlineData(40.0, 0.3, 64.0, -70.111169095055926568)]
    [InlineData(40.0, 0.3, 100.0, -84.605691581292793136)]
    [InlineData(40.0, 0.3, 12345.5, -270.26596345309520016)]
    [InlineData(40.0, 0.3, 1000000.0, -445.98121752314856152)]
    [InlineData(40.0, 12.0, 1.0, -1.4663370687934270447)]
    [InlineData(40.0, 12.0, 3.5, -4.8773069301012835174)]
    [InlineData(40.0, 12.0, 64.0, -47.161637046668153817)]
    [InlineData(40.0, 12.0, 100.0, -60.097794219365496631)]
    [InlineData(40.0, 12.0, 12345.5, -242.03650548628155042)]
    [InlineData(40.0, 12.0, 1000000.0, -417.71439755743807679)]
    [InlineData(40.0, 5000.0, 1.0, -0.0079681696491768735108)]
    [InlineData(40.0, 5000.0, 3.5, -0.027881652093224358903)]
    [InlineData(40.0, 5000.0, 64.0, -0.50678958992550229899)]
    [InlineData(40.0, 5000.0, 100.0, -0.78906212718792589298)]
    [InlineData(40.0, 5000.0, 12345.5, -49.645151297851653939)]
    [InlineData(40.0, 5000.0, 1000000.0, -211.97738161684642745)]
    public void LogBetaRatio_MatchesHighPrecision(double a, double b, double k, double expected)
    {
        double got = BetaFunctions.LogBetaRatio(a, b, k);
        // Relative 1e−11 on the log ratio, and the derived E[pass@k] to 1e−10 relative as well.
        Assert.True(Math.Abs(got - expected) <= 1e-11 * Math.Abs(expected) + 1e-300, $"a={a} b={b} k={k}: {got:R} vs {expected:R}");
        double passGot = BetaFunctions.ExpectedPassAtK(a, b, k), passRef = -Precise.Expm1(expected);
        Assert.True(Math.Abs(passGot - passRef) <= 1e-10 * passRef, $"pass@k {passGot:R} vs {passRef:R}");
    }

    [Theory]
    [InlineData(0.02, 3.0)]
    [InlineData(1.5, 0.7)]
    [InlineData(0.001, 0.05)]
    public void LogBetaRatio_AgreesWithExactProduct_ForIntegerKUpTo1e6(double a, double b)
    {
        // Brute force: log Π_{j<k} (b+j)/(a+b+j), Kahan-summed, compared at several k along the way.
        double sum = 0, comp = 0;
        var checkpoints = new HashSet<int> { 65, 100, 1000, 54321, 1_000_000 };
        for (int j = 0; j < 1_000_000; j++)
        {
            double term = Precise.Log1p(-a / (a + b + j)) - comp;
            double t = sum + term; comp = (t - sum) - term; sum = t;
            if (checkpoints.Contains(j + 1))
                Assert.True(Math.Abs(BetaFunctions.LogBetaRatio(a, b, j + 1) - sum) <= 1e-11 * Math.Abs(sum), $"k={j + 1}");
        }
    }

    [Fact]
    public void ExpectedPassAtK_MatchesMonteCarlo_UnderBeta()
    {
        // Draw p ~ Beta(a, b) (as ratio of Gammas via MathNet), then average 1 − (1 − p)^k; compare within 4 standard errors.
        var rng = new Random(17);
        foreach (var (a, b, k) in new[] { (0.3, 4.0, 10.0), (0.05, 0.5, 200.0), (2.0, 2.0, 3.0) })
        {
            var beta = new MathNet.Numerics.Distributions.Beta(a, b, rng);
            const int m = 400_000;
            double s = 0, s2 = 0;
            for (int i = 0; i < m; i++) { double v = T2.Core.PassK.PassAtK.FromProbability(beta.Sample(), k); s += v; s2 += v * v; }
            double mean = s / m, se = Math.Sqrt((s2 / m - mean * mean) / m);
            double exact = BetaFunctions.ExpectedPassAtK(a, b, k);
            Assert.True(Math.Abs(mean - exact) < 4 * se, $"a={a} b={b} k={k}: MC {mean} ± {se} vs {exact}");
        }
    }

    [Fact]
    public void LogGammaRatio_MatchesLogGammaDifference_WhereThatIsAccurate()
    {
        foreach (var (x, a) in new[] { (0.5, 0.5), (3.0, 2.0), (25.0, 7.5), (1e3, 0.25) })
        {
            double expected = MathNet.Numerics.SpecialFunctions.GammaLn(x + a) - MathNet.Numerics.SpecialFunctions.GammaLn(x);
            Assert.Equal(expected, BetaFunctions.LogGammaRatio(x, a), 12);
        }
    }
}
