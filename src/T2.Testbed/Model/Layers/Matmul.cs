using System.Numerics;
using System.Numerics.Tensors;

namespace T2.Testbed.Model.Layers;

/// <summary>
/// Linear layer, llm.c layout: out (N, OC) = inp (N, C) · weightᵀ + bias, weight (OC, C), bias (OC) or empty.
/// The fast path is parallel over rows (forward, dinp) and over output channels (dweight): every output element is
/// reduced in a fixed order by one thread, so results do not depend on the thread count. <see cref="ForwardNaive"/> is
/// the triple-loop reference the tests compare against.
/// </summary>
public static class Matmul
{
    public static void ForwardNaive<T>(Span<T> output, ReadOnlySpan<T> inp, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, int N, int C, int OC)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < N; i++)
            for (int o = 0; o < OC; o++)
            {
                T s = bias.IsEmpty ? T.Zero : bias[o];
                for (int c = 0; c < C; c++) s += inp[i * C + c] * weight[o * C + c];
                output[i * OC + o] = s;
            }
    }

    public static void Forward<T>(Seg<T> output, Seg<T> inp, Seg<T> weight, Seg<T> bias, int N, int C, int OC)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && C % 16 == 0)
        {
            MatmulFast.Forward(F(output.Array), output.Offset, F(inp.Array), inp.Offset, F(weight.Array), weight.Offset,
                bias.IsEmpty ? null : F(bias.Array), bias.Offset, N, C, OC);
            return;
        }
        var j = Job<T>.Cached ??= new Job<T>();
        (j.Kind, j.S0, j.S1, j.S2, j.S3, j.N, j.C, j.OC) = (0, output, inp, weight, bias, N, C, OC);
        WorkerPool.Shared.For(Blocks(N), j);
        j.Clear();
    }

    /// <summary>Adds into dinp (N, C), dweight (OC, C) and dbias (OC, or empty).</summary>
    public static void Backward<T>(Seg<T> dinp, Seg<T> dweight, Seg<T> dbias, Seg<T> dout, Seg<T> inp, Seg<T> weight, int N, int C, int OC)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && C % 16 == 0)
        {
            MatmulFast.BackwardInput(F(dinp.Array), dinp.Offset, F(dout.Array), dout.Offset, F(weight.Array), weight.Offset, N, C, OC);
            MatmulFast.BackwardWeight(F(dweight.Array), dweight.Offset, dbias.IsEmpty ? null : F(dbias.Array), dbias.Offset,
                F(dout.Array), dout.Offset, F(inp.Array), inp.Offset, N, C, OC);
            return;
        }
        var j = Job<T>.Cached ??= new Job<T>();
        (j.Kind, j.S0, j.S1, j.S2, j.S3, j.S4, j.S5, j.N, j.C, j.OC) = (1, dinp, dweight, dbias, dout, inp, weight, N, C, OC);
        WorkerPool.Shared.For(Blocks(N), j);   // dinp[i] += Σ_o dout[i, o] · weight[o]
        j.Kind = 2;
        WorkerPool.Shared.For(Blocks(OC), j);  // dweight[o] += Σ_i dout[i, o] · inp[i];  dbias[o] += Σ_i dout[i, o]
        j.Clear();
    }

    // The generic (double, or C not a multiple of 16) kernels, one reusable job per thread: no allocation per call.
    private sealed class Job<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Kind, N, C, OC;
        public Seg<T> S0, S1, S2, S3, S4, S5;
        [ThreadStatic] public static Job<T>? Cached;
        public void Clear() { S0 = S1 = S2 = S3 = S4 = S5 = default; }

        public void Invoke(int blk)
        {
            if (Kind == 0) ForwardBlock(blk);
            else if (Kind == 1) InputBlock(blk);
            else WeightBlock(blk);
        }

        private void ForwardBlock(int blk)
        {
            var (output, inp, weight, bias) = (S0, S1, S2, S3);
            var (lo, hi) = Range(blk, N);
            for (int i = lo; i < hi; i++)
            {
                var x = inp.Row(i, C); var o = output.Row(i, OC); var w = weight.Span;
                for (int j = 0; j < OC; j++)
                    o[j] = (bias.IsEmpty ? T.Zero : bias.Array[bias.Offset + j]) + TensorPrimitives.Dot<T>(x, w.Slice(j * C, C));
            }
        }

        private void InputBlock(int blk)
        {
            var (dinp, dout, weight) = (S0, S3, S5);
            var (lo, hi) = Range(blk, N);
            var w = weight.Span;
            for (int i = lo; i < hi; i++)
            {
                var dx = dinp.Row(i, C); var d = dout.Row(i, OC);
                for (int o = 0; o < OC; o++) TensorPrimitives.MultiplyAdd<T>(w.Slice(o * C, C), d[o], dx, dx);
            }
        }

        private void WeightBlock(int blk)
        {
            var (dweight, dbias, dout, inp) = (S1, S2, S3, S4);
            var (lo, hi) = Range(blk, OC);
            var x = inp.Span; var d = dout.Span;
            for (int o = lo; o < hi; o++)
            {
                var dw = dweight.Row(o, C);
                T db = T.Zero;
                for (int i = 0; i < N; i++)
                {
                    T g = d[i * OC + o];
                    db += g;
                    TensorPrimitives.MultiplyAdd<T>(x.Slice(i * C, C), g, dw, dw);
                }
                if (!dbias.IsEmpty) dbias.Array[dbias.Offset + o] += db;
            }
        }
    }

    private static float[] F<T>(T[] a) => System.Runtime.CompilerServices.Unsafe.As<T[], float[]>(ref a);

    // Work is split into fixed blocks (not per-thread chunks) so the partition, and thus the result, is the same on any machine.
    private const int BlockRows = 16;
    private static int Blocks(int n) => (n + BlockRows - 1) / BlockRows;
    private static (int, int) Range(int blk, int n) => (blk * BlockRows, Math.Min(n, (blk + 1) * BlockRows));
}
