using T2.Testbed.Model;
using T2.Testbed.Model.Layers;

namespace T2.Tests.Testbed;

public class MatmulFastTests
{
    [Theory]
    [InlineData(37, 32, 13)]   // row and column tails
    [InlineData(64, 64, 192)]
    [InlineData(5, 16, 3)]
    public void FloatKernels_MatchTheDoubleReference(int N, int C, int OC)
    {
        var rng = new Random(N * 1000 + OC);
        float[] x = R(N * C, rng), w = R(OC * C, rng), b = R(OC, rng), d = R(N * OC, rng);
        // Reference in double through the generic (non-tiled) path.
        double[] xd = x.Select(v => (double)v).ToArray(), wd = w.Select(v => (double)v).ToArray(), bd = b.Select(v => (double)v).ToArray(), dd = d.Select(v => (double)v).ToArray();
        double[] od = new double[N * OC], dxd = new double[N * C], dwd = new double[OC * C], dbd = new double[OC];
        Matmul.ForwardNaive<double>(od, xd, wd, bd, N, C, OC);
        Matmul.Backward(Seg<double>.Of(dxd), Seg<double>.Of(dwd), Seg<double>.Of(dbd), Seg<double>.Of(dd), Seg<double>.Of(xd), Seg<double>.Of(wd), N, C, OC);
        float[] o = new float[N * OC], dx = new float[N * C], dw = new float[OC * C], db = new float[OC];
        Matmul.Forward(Seg<float>.Of(o), Seg<float>.Of(x), Seg<float>.Of(w), Seg<float>.Of(b), N, C, OC);
        Matmul.Backward(Seg<float>.Of(dx), Seg<float>.Of(dw), Seg<float>.Of(db), Seg<float>.Of(d), Seg<float>.Of(x), Seg<float>.Of(w), N, C, OC);
        Close(od, o); Close(dxd, dx); Close(dwd, dw); Close(dbd, db);
    }

    private static float[] R(int n, Random rng) => Enumerable.Range(0, n).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();

    // float32 sums of ≤ 64 terms of size ≤ 1: absolute error well below 1e-4.
    private static void Close(double[] expected, float[] got)
    {
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-4, $"[{i}] {expected[i]} vs {got[i]}");
    }
}
