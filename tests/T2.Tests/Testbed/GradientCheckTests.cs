using T2.Testbed.Model;
using T2.Testbed.Model.Layers;

namespace T2.Tests.Testbed;

/// <summary>
/// Every layer's backward against central finite differences, in double precision, on small shapes. The scalar checked is
/// Σ output ⊙ R for a random R, so dout = R. Tolerance: relative 1e−6 (double FD error with h = 1e−6 is ~1e−9).
/// </summary>
public class GradientCheckTests
{
    private static double[] Rand(int n, Random rng, double scale = 1) => Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();

    private static void Check(string what, double[] x, double[] analytic, Func<double> f)
    {
        const double h = 1e-6;
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h; double fp = f();
            x[i] = keep - h; double fm = f();
            x[i] = keep;
            double fd = (fp - fm) / (2 * h);
            Assert.True(Math.Abs(fd - analytic[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{what}[{i}]: analytic {analytic[i]} vs FD {fd}");
        }
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    [Fact]
    public void Matmul_Backward_MatchesFiniteDifferences_AndFastEqualsNaive()
    {
        var rng = new Random(1); int N = 5, C = 7, OC = 6;
        double[] x = Rand(N * C, rng), w = Rand(OC * C, rng), b = Rand(OC, rng), r = Rand(N * OC, rng), o = new double[N * OC], naive = new double[N * OC];
        Matmul.Forward(Seg<double>.Of(o), Seg<double>.Of(x), Seg<double>.Of(w), Seg<double>.Of(b), N, C, OC);
        Matmul.ForwardNaive<double>(naive, x, w, b, N, C, OC);
        for (int i = 0; i < o.Length; i++) Assert.Equal(naive[i], o[i], 12);
        double[] dx = new double[x.Length], dw = new double[w.Length], db = new double[b.Length];
        Matmul.Backward(Seg<double>.Of(dx), Seg<double>.Of(dw), Seg<double>.Of(db), Seg<double>.Of(r), Seg<double>.Of(x), Seg<double>.Of(w), N, C, OC);
        double F() { var y = new double[N * OC]; Matmul.ForwardNaive<double>(y, x, w, b, N, C, OC); return Dot(y, r); }
        Check("dinp", x, dx, F); Check("dweight", w, dw, F); Check("dbias", b, db, F);
    }

    [Fact]
    public void LayerNorm_Backward_MatchesFiniteDifferences()
    {
        var rng = new Random(2); int N = 4, C = 8;
        double[] x = Rand(N * C, rng, 2), w = Rand(C, rng), b = Rand(C, rng), r = Rand(N * C, rng);
        double[] o = new double[N * C], mean = new double[N], rstd = new double[N];
        LayerNorm.Forward<double>(o, mean, rstd, x, w, b, N, C);
        double[] dx = new double[x.Length], dw = new double[C], db = new double[C];
        LayerNorm.Backward<double>(dx, dw, db, r, x, w, mean, rstd, N, C);
        double F() { var y = new double[N * C]; LayerNorm.Forward<double>(y, new double[N], new double[N], x, w, b, N, C); return Dot(y, r); }
        Check("dinp", x, dx, F); Check("dweight", w, dw, F); Check("dbias", b, db, F);
    }

    [Fact]
    public void Gelu_Backward_MatchesFiniteDifferences()
    {
        var rng = new Random(3);
        double[] x = Rand(40, rng, 4), r = Rand(40, rng), dx = new double[40];
        Gelu.Backward<double>(dx, x, r);
        Check("dinp", x, dx, () => { var y = new double[40]; Gelu.Forward<double>(y, x); return Dot(y, r); });
    }

    [Fact]
    public void Attention_Backward_MatchesFiniteDifferences()
    {
        var rng = new Random(4); int B = 2, T = 5, C = 6, NH = 2;
        double[] qkv = Rand(B * T * 3 * C, rng), r = Rand(B * T * C, rng);
        int A = B * NH * T * T;
        double[] o = new double[B * T * C], pre = new double[A], att = new double[A];
        Attention.Forward(Seg<double>.Of(o), Seg<double>.Of(pre), Seg<double>.Of(att), Seg<double>.Of(qkv), B, T, C, NH);
        double[] dqkv = new double[qkv.Length];
        Attention.Backward(Seg<double>.Of(dqkv), Seg<double>.Of(new double[A]), Seg<double>.Of(new double[A]), Seg<double>.Of(r), Seg<double>.Of(qkv), Seg<double>.Of(att), B, T, C, NH);
        double F()
        {
            var y = new double[B * T * C];
            Attention.Forward(Seg<double>.Of(y), Seg<double>.Of(new double[A]), Seg<double>.Of(new double[A]), Seg<double>.Of(qkv), B, T, C, NH);
            return Dot(y, r);
        }
        Check("dqkv", qkv, dqkv, F);
    }

    [Fact]
    public void CrossEntropy_Backward_MatchesFiniteDifferences()
    {
        var rng = new Random(5); int N = 3, V = 7;
        double[] logits = Rand(N * V, rng, 3); int[] targets = [2, 6, 0];
        double[] probs = new double[N * V], losses = new double[N], dl = new double[N * V], dloss = [0.3, -0.7, 1.1];
        CrossEntropy.Forward(Seg<double>.Of(probs), losses, Seg<double>.Of(logits), targets, N, V);
        CrossEntropy.Backward(Seg<double>.Of(dl), Seg<double>.Of(probs), dloss, targets, N, V);
        double F() { var l = new double[N]; CrossEntropy.Forward(Seg<double>.Of(new double[N * V]), l, Seg<double>.Of(logits), targets, N, V); return Dot(l, dloss); }
        Check("dlogits", logits, dl, F);
    }

    [Fact]
    public void Encoder_Backward_MatchesFiniteDifferences()
    {
        var rng = new Random(6); int B = 2, T = 3, C = 4, V = 5;
        double[] wte = Rand(V * C, rng), wpe = Rand(T * C, rng), r = Rand(B * T * C, rng); int[] tok = [1, 4, 1, 0, 3, 4];
        double[] dwte = new double[wte.Length], dwpe = new double[wpe.Length];
        Encoder.Backward<double>(dwte, dwpe, r, tok, B, T, C);
        double F() { var y = new double[B * T * C]; Encoder.Forward<double>(y, tok, wte, wpe, B, T, C); return Dot(y, r); }
        Check("dwte", wte, dwte, F); Check("dwpe", wpe, dwpe, F);
    }

    [Fact]
    public void WholeModel_Backward_MatchesFiniteDifferences_OnEveryTensor()
    {
        var cfg = new ModelConfig(VocabSize: 11, Context: 6, DModel: 8, Layers: 2, Heads: 2);
        var m = new Gpt<double>(cfg);
        m.Initialise(7);
        var rng = new Random(8);
        for (int i = 0; i < m.Params.Length; i++) m.Params[i] += 0.1 * (2 * rng.NextDouble() - 1); // break symmetric LN/bias values
        int B = 2, T = 5;
        int[] tok = Enumerable.Range(0, B * T).Select(_ => rng.Next(11)).ToArray();
        int[] tgt = Enumerable.Range(0, B * T).Select(i => i == 3 ? -1 : rng.Next(11)).ToArray();
        m.Forward(tok, tgt, B, T); m.ZeroGrad(); m.Backward();
        var grads = (double[])m.Grads.Clone();
        const double h = 1e-6;
        foreach (var t in m.Layout.Tensors)
        {
            // A few entries of every tensor (all of the small ones).
            var idx = t.Length <= 16 ? Enumerable.Range(0, t.Length) : Enumerable.Range(0, 6).Select(_ => rng.Next(t.Length));
            foreach (var j in idx)
            {
                int p = t.Offset + j;
                double keep = m.Params[p];
                m.Params[p] = keep + h; double fp = m.Forward(tok, tgt, B, T);
                m.Params[p] = keep - h; double fm = m.Forward(tok, tgt, B, T);
                m.Params[p] = keep;
                double fd = (fp - fm) / (2 * h);
                Assert.True(Math.Abs(fd - grads[p]) <= 1e-6 * Math.Max(1, Math.Abs(fd)) + 1e-9, $"{t.Name}[{j}]: analytic {grads[p]} vs FD {fd}");
            }
        }
    }
}
