using T2.Testbed.Model;
using T2.Testbed.Model.Layers;

namespace T2.Tests.Testbed;

/// <summary>The float attention kernel (head size a multiple of 8) against the generic path run in double.</summary>
public class AttentionFastTests
{
    [Theory]
    [InlineData(2, 13, 32, 2)]  // T not a multiple of 8: the padded key block
    [InlineData(1, 64, 48, 3)]  // the ladder's context and head size
    [InlineData(3, 9, 16, 2)]   // head size 8: one vector per head
    public void FloatKernel_MatchesTheDoubleReference(int B, int Tn, int C, int NH)
    {
        var rng = new Random(B * 100 + Tn);
        int nInp = B * Tn * 3 * C, nOut = B * Tn * C, nAtt = B * NH * Tn * Tn;
        float[] x = R(nInp, rng), d = R(nOut, rng);
        double[] xd = D(x), dd = D(d);
        double[] od = new double[nOut], pred = new double[nAtt], ad = new double[nAtt], dxd = new double[nInp];
        Attention.Forward(Seg<double>.Of(od), Seg<double>.Of(pred), Seg<double>.Of(ad), Seg<double>.Of(xd), B, Tn, C, NH);
        Attention.Backward(Seg<double>.Of(dxd), Seg<double>.Of(new double[nAtt]), Seg<double>.Of(new double[nAtt]), Seg<double>.Of(dd),
            Seg<double>.Of(xd), Seg<double>.Of(ad), B, Tn, C, NH);
        float[] o = new float[nOut], pre = new float[nAtt], a = new float[nAtt], dx = new float[nInp];
        // Stale values where the kernel must write zeros (att above the diagonal) or add (dinp).
        Array.Fill(a, 7f);
        Attention.Forward(Seg<float>.Of(o), Seg<float>.Of(pre), Seg<float>.Of(a), Seg<float>.Of(x), B, Tn, C, NH);
        Attention.Backward(Seg<float>.Of(dx), Seg<float>.Of(new float[nAtt]), Seg<float>.Of(new float[nAtt]), Seg<float>.Of(d),
            Seg<float>.Of(x), Seg<float>.Of(a), B, Tn, C, NH);
        Close(od, o, "out"); Close(ad, a, "att"); Close(dxd, dx, "dinp");
        for (int bh = 0; bh < B * NH; bh++)
            for (int t = 0; t < Tn; t++)
                for (int t2 = 0; t2 <= t; t2++)
                {
                    int i = (bh * Tn + t) * Tn + t2;
                    Assert.True(Math.Abs(pred[i] - pre[i]) <= 1e-4, $"preatt[{i}] {pred[i]} vs {pre[i]}");
                }
    }

    private static float[] R(int n, Random rng) => Enumerable.Range(0, n).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
    private static double[] D(float[] a) => a.Select(v => (double)v).ToArray();

    // Sums of ≤ 64 float terms of size ≤ 1 (scores ≤ √hs): absolute error well below 1e-4.
    private static void Close(double[] expected, float[] got, string what)
    {
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-4, $"{what}[{i}] {expected[i]} vs {got[i]}");
    }
}
