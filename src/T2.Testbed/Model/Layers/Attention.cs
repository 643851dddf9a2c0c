using System.Numerics;
using System.Numerics.Tensors;

namespace T2.Testbed.Model.Layers;

/// <summary>
/// Causal multi-head self-attention core (llm.c). inp = qkv (B, T, 3C) holding Q, K, V side by side; output (B, T, C);
/// forward caches preatt and att (B, NH, T, T) for backward. Softmax subtracts the row max. Parallel over (b, h): each
/// pair owns its rows of every output, so results do not depend on the thread count.
/// </summary>
public static class Attention
{
    private sealed class Job<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Seg<T> A, Bq, Cq, Dq, E, F; public int B, Tn, C, NH; public bool Backward;
        public void Invoke(int bh)
        {
            if (typeof(T) == typeof(float) && AttentionFast.Applies(C, NH))
            {
                if (Backward) AttentionFast.BackwardOne(F32(A.Array), A.Offset, F32(Bq.Array), Bq.Offset, F32(Cq.Array), Cq.Offset, F32(Dq.Array), Dq.Offset,
                    F32(E.Array), E.Offset, F32(F.Array), F.Offset, B, Tn, C, NH, bh);
                else AttentionFast.ForwardOne(F32(A.Array), A.Offset, F32(Bq.Array), Bq.Offset, F32(Cq.Array), Cq.Offset, F32(Dq.Array), Dq.Offset, B, Tn, C, NH, bh);
                return;
            }
            if (Backward) BackwardOne(A, Bq, Cq, Dq, E, F, B, Tn, C, NH, bh);
            else ForwardOne(A, Bq, Cq, Dq, B, Tn, C, NH, bh);
        }
        private static float[] F32(T[] a) => System.Runtime.CompilerServices.Unsafe.As<T[], float[]>(ref a);
        [ThreadStatic] public static Job<T>? Cached;
    }

    public static void Forward<T>(Seg<T> output, Seg<T> preatt, Seg<T> att, Seg<T> inp, int B, int Tn, int C, int NH)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = Job<T>.Cached ??= new Job<T>();
        (j.A, j.Bq, j.Cq, j.Dq, j.B, j.Tn, j.C, j.NH, j.Backward) = (output, preatt, att, inp, B, Tn, C, NH, false);
        WorkerPool.Shared.For(B * NH, j);
        j.A = j.Bq = j.Cq = j.Dq = default;
    }

    private static void ForwardOne<T>(Seg<T> output, Seg<T> preatt, Seg<T> att, Seg<T> inp, int B, int Tn, int C, int NH, int bh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int C3 = 3 * C, hs = C / NH;
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        int b = bh / NH, h = bh % NH;
        var x = inp.Span; var pre = preatt.Span; var a = att.Span; var o = output.Span;
        for (int t = 0; t < Tn; t++)
        {
            int q = b * Tn * C3 + t * C3 + h * hs;
            int row = ((b * NH + h) * Tn + t) * Tn;
            T max = T.NegativeInfinity;
            for (int t2 = 0; t2 <= t; t2++)
            {
                int k = b * Tn * C3 + t2 * C3 + h * hs + C;
                T v = TensorPrimitives.Dot<T>(x.Slice(q, hs), x.Slice(k, hs)) * scale;
                pre[row + t2] = v;
                if (v > max) max = v;
            }
            T sum = T.Zero;
            for (int t2 = 0; t2 <= t; t2++) { T e = T.Exp(pre[row + t2] - max); a[row + t2] = e; sum += e; }
            T inv = T.One / sum;
            for (int t2 = 0; t2 < Tn; t2++) a[row + t2] = t2 <= t ? a[row + t2] * inv : T.Zero;
            int outOff = b * Tn * C + t * C + h * hs;
            var oh = o.Slice(outOff, hs); oh.Clear();
            for (int t2 = 0; t2 <= t; t2++)
                TensorPrimitives.MultiplyAdd(x.Slice(b * Tn * C3 + t2 * C3 + h * hs + 2 * C, hs), a[row + t2], oh, oh);
        }
    }

    /// <summary>Adds into dinp (B, T, 3C); dpreatt and datt are scratch (B, NH, T, T) that must start at zero.</summary>
    public static void Backward<T>(Seg<T> dinp, Seg<T> dpreatt, Seg<T> datt, Seg<T> dout, Seg<T> inp, Seg<T> att, int B, int Tn, int C, int NH)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = Job<T>.Cached ??= new Job<T>();
        (j.A, j.Bq, j.Cq, j.Dq, j.E, j.F, j.B, j.Tn, j.C, j.NH, j.Backward) = (dinp, dpreatt, datt, dout, inp, att, B, Tn, C, NH, true);
        WorkerPool.Shared.For(B * NH, j);
        j.A = j.Bq = j.Cq = j.Dq = j.E = j.F = default;
    }

    private static void BackwardOne<T>(Seg<T> dinp, Seg<T> dpreatt, Seg<T> datt, Seg<T> dout, Seg<T> inp, Seg<T> att, int B, int Tn, int C, int NH, int bh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int C3 = 3 * C, hs = C / NH;
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        int b = bh / NH, h = bh % NH;
        var x = inp.Span; var dx = dinp.Span; var a = att.Span; var da = datt.Span; var dpre = dpreatt.Span; var d = dout.Span;
        for (int t = 0; t < Tn; t++)
        {
            int row = ((b * NH + h) * Tn + t) * Tn;
            int dOff = b * Tn * C + t * C + h * hs;
            // out[t] = Σ_t2 att[t, t2] · v[t2]  →  datt[t, t2] = dout[t]·v[t2];  dv[t2] += att[t, t2]·dout[t]
            for (int t2 = 0; t2 <= t; t2++)
            {
                int v = b * Tn * C3 + t2 * C3 + h * hs + 2 * C;
                da[row + t2] += TensorPrimitives.Dot<T>(x.Slice(v, hs), d.Slice(dOff, hs));
                TensorPrimitives.MultiplyAdd(d.Slice(dOff, hs), a[row + t2], dx.Slice(v, hs), dx.Slice(v, hs));
            }
            // att = softmax(preatt)  →  dpreatt[t2] = att[t2]·(datt[t2] − Σ_t3 att[t3]·datt[t3])
            T dot = T.Zero;
            for (int t2 = 0; t2 <= t; t2++) dot += a[row + t2] * da[row + t2];
            for (int t2 = 0; t2 <= t; t2++) dpre[row + t2] += a[row + t2] * (da[row + t2] - dot);
            // preatt[t, t2] = scale · q[t]·k[t2]  →  dq[t] += scale·dpreatt·k[t2];  dk[t2] += scale·dpreatt·q[t]
            int q = b * Tn * C3 + t * C3 + h * hs;
            for (int t2 = 0; t2 <= t; t2++)
            {
                int k = b * Tn * C3 + t2 * C3 + h * hs + C;
                T g = dpre[row + t2] * scale;
                TensorPrimitives.MultiplyAdd(x.Slice(k, hs), g, dx.Slice(q, hs), dx.Slice(q, hs));
                TensorPrimitives.MultiplyAdd(x.Slice(q, hs), g, dx.Slice(k, hs), dx.Slice(k, hs));
            }
        }
    }
}
