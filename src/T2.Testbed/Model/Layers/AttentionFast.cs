using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace T2.Testbed.Model.Layers;

/// <summary>
/// Float attention for head sizes that are a multiple of 8 (every preset's is 16), one (batch, head) pair per call, as
/// small matrix products without horizontal sums: the scores of a query against 16 keys at once from a transposed copy of
/// the head's keys (Kᵀ, hs × T), the weighted sums of values as broadcast FMAs into register accumulators, and in backward
/// the key and value gradients by columns (Σ over queries t ≥ t2) so each is written once. The generic path made one
/// TensorPrimitives call per (query, key) pair on 16 floats: at T = 64 that was half the step of a d16–d32 model. Same
/// maths and the same (b, h) partition as <see cref="Attention"/>; only the order of float sums differs (tests compare
/// both with the double reference).
/// </summary>
internal static class AttentionFast
{
    [ThreadStatic] private static float[]? t_scratch;

    private static float[] Scratch(int n) => t_scratch is { } s && s.Length >= n ? s : t_scratch = new float[n];

    public static bool Applies(int C, int NH) => C / NH % 8 == 0;

    public static void ForwardOne(float[] o, int oOff, float[] pre, int preOff, float[] a, int aOff, float[] x, int xOff,
        int B, int Tn, int C, int NH, int bh)
    {
        int C3 = 3 * C, hs = C / NH, Tp = (Tn + 15) & ~15, hv = hs / 8;
        float scale = 1f / MathF.Sqrt(hs);
        int b = bh / NH, h = bh % NH;
        int qBase = xOff + b * Tn * C3 + h * hs, kBase = qBase + C, vBase = qBase + 2 * C;
        var s = Scratch(hs * Tp + Tp);
        // Kᵀ (hs × Tp), padded with zeros past T; then one row of scores.
        Array.Clear(s, 0, hs * Tp);
        for (int t2 = 0; t2 < Tn; t2++)
            for (int c = 0; c < hs; c++) s[c * Tp + t2] = x[kBase + t2 * C3 + c];
        ref float kt = ref s[0];
        ref float xr = ref x[0];
        for (int t = 0; t < Tn; t++)
        {
            int row = ((b * NH + h) * Tn + t) * Tn, n = t + 1, q = qBase + t * C3;
            var sc = s.AsSpan(hs * Tp, Tp);
            ref float scr = ref sc[0];
            Scores(ref xr, q, ref kt, Tp, hs, n, ref scr, scale);
            var row1 = sc[..n];
            row1.CopyTo(pre.AsSpan(preOff + row, n));
            float max = TensorPrimitives.Max(row1);
            var ar = a.AsSpan(aOff + row, Tn);
            TensorPrimitives.Subtract(row1, max, ar[..n]);
            TensorPrimitives.Exp(ar[..n], ar[..n]);
            TensorPrimitives.Multiply(ar[..n], 1f / TensorPrimitives.Sum(ar[..n]), ar[..n]);
            ar[n..].Clear();
            // out[t] = Σ_t2 a[t2]·v[t2], 8 floats of the head at a time, two keys per iteration (independent FMA chains).
            ref float arr = ref ar[0];
            for (int cv = 0; cv < hv; cv++)
            {
                WeightedRows(ref arr, n, ref xr, vBase + cv * 8, C3).StoreUnsafe(ref o[oOff + b * Tn * C + t * C + h * hs + cv * 8]);
            }
        }
    }

    /// <summary>Adds into dinp; dpreatt and datt (scratch, starting at zero) receive this pair's rows.</summary>
    public static void BackwardOne(float[] dx, int dxOff, float[] dpre, int dpreOff, float[] da, int daOff, float[] d, int dOff,
        float[] x, int xOff, float[] a, int aOff, int B, int Tn, int C, int NH, int bh)
    {
        int C3 = 3 * C, hs = C / NH, Tp = (Tn + 15) & ~15, hv = hs / 8;
        float scale = 1f / MathF.Sqrt(hs);
        int b = bh / NH, h = bh % NH;
        int qBase = xOff + b * Tn * C3 + h * hs, kBase = qBase + C, vBase = qBase + 2 * C, dBase = dOff + b * Tn * C + h * hs;
        int dqBase = dxOff + b * Tn * C3 + h * hs, dkBase = dqBase + C, dvBase = dqBase + 2 * C;
        int rows = ((b * NH + h) * Tn) * Tn;
        var s = Scratch(hs * Tp + Tp);
        Array.Clear(s, 0, hs * Tp);
        for (int t2 = 0; t2 < Tn; t2++)
            for (int c = 0; c < hs; c++) s[c * Tp + t2] = x[vBase + t2 * C3 + c]; // Vᵀ
        ref float vt = ref s[0];
        ref float xr = ref x[0]; ref float dr = ref d[0];
        for (int t = 0; t < Tn; t++)
        {
            int n = t + 1, row = rows + t * Tn, dt = dBase + t * C;
            // datt[t, t2] = dout[t]·v[t2], 16 keys at a time from Vᵀ.
            var sc = s.AsSpan(hs * Tp, Tp);
            ref float scr = ref sc[0];
            Scores(ref dr, dt, ref vt, Tp, hs, n, ref scr, 1f);
            var dar = da.AsSpan(daOff + row, n); var ar = a.AsSpan(aOff + row, n); var dpr = dpre.AsSpan(dpreOff + row, n);
            TensorPrimitives.Add(dar, sc[..n], dar);
            // dpreatt = att·(datt − Σ att·datt)
            float dot = TensorPrimitives.Dot(ar, dar);
            TensorPrimitives.Subtract(dar, dot, sc[..n]);
            TensorPrimitives.MultiplyAdd(ar, sc[..n], dpr, dpr);
            // dq[t] += scale·Σ_t2 dpreatt[t2]·k[t2]
            ref float dpp = ref dpr[0];
            for (int cv = 0; cv < hv; cv++)
            {
                ref float dq = ref dx[dqBase + t * C3 + cv * 8];
                Vector256.FusedMultiplyAdd(WeightedRows(ref dpp, n, ref xr, kBase + cv * 8, C3), Vector256.Create(scale), Vector256.LoadUnsafe(ref dq)).StoreUnsafe(ref dq);
            }
        }
        // By columns: dv[t2] += Σ_{t ≥ t2} att[t, t2]·dout[t];  dk[t2] += scale·Σ_{t ≥ t2} dpreatt[t, t2]·q[t].
        ref float ap = ref a[aOff + rows]; ref float dp = ref dpre[dpreOff + rows];
        for (int t2 = 0; t2 < Tn; t2++)
            for (int cv = 0; cv < hv; cv++)
            {
                Vector256<float> v0 = Vector256<float>.Zero, k0 = Vector256<float>.Zero, v1 = Vector256<float>.Zero, k1 = Vector256<float>.Zero;
                int t = t2;
                for (; t + 1 < Tn; t += 2) // two queries per iteration: four independent FMA chains
                {
                    int at = t * Tn + t2;
                    v0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, at)), Vector256.LoadUnsafe(ref dr, (nuint)(dBase + t * C + cv * 8)), v0);
                    k0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref dp, at)), Vector256.LoadUnsafe(ref xr, (nuint)(qBase + t * C3 + cv * 8)), k0);
                    v1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, at + Tn)), Vector256.LoadUnsafe(ref dr, (nuint)(dBase + (t + 1) * C + cv * 8)), v1);
                    k1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref dp, at + Tn)), Vector256.LoadUnsafe(ref xr, (nuint)(qBase + (t + 1) * C3 + cv * 8)), k1);
                }
                if (t < Tn)
                {
                    int at = t * Tn + t2;
                    v0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, at)), Vector256.LoadUnsafe(ref dr, (nuint)(dBase + t * C + cv * 8)), v0);
                    k0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref dp, at)), Vector256.LoadUnsafe(ref xr, (nuint)(qBase + t * C3 + cv * 8)), k0);
                }
                v0 += v1; k0 += k1;
                ref float dv = ref dx[dvBase + t2 * C3 + cv * 8];
                (Vector256.LoadUnsafe(ref dv) + v0).StoreUnsafe(ref dv);
                ref float dk = ref dx[dkBase + t2 * C3 + cv * 8];
                Vector256.FusedMultiplyAdd(k0, Vector256.Create(scale), Vector256.LoadUnsafe(ref dk)).StoreUnsafe(ref dk);
            }
    }

    /// <summary>
    /// out[j] = s·Σ_c u[c]·M[c, j] for j &lt; n rounded up to 16 (M: hs × Tp, row-major): one query (or gradient row) against
    /// 16 keys per pass, with four independent FMA chains (two key blocks × even and odd c) so the loop is not bound by
    /// the FMA latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores(ref float u, int uOff, ref float m, int Tp, int hs, int n, ref float o, float s)
    {
        for (int blk = 0; blk < n; blk += 16)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, b0 = Vector256<float>.Zero, b1 = Vector256<float>.Zero;
            for (int c = 0; c < hs; c += 2)
            {
                var u0 = Vector256.Create(Unsafe.Add(ref u, uOff + c)); var u1 = Vector256.Create(Unsafe.Add(ref u, uOff + c + 1));
                a0 = Vector256.FusedMultiplyAdd(u0, Vector256.LoadUnsafe(ref m, (nuint)(c * Tp + blk)), a0);
                b0 = Vector256.FusedMultiplyAdd(u0, Vector256.LoadUnsafe(ref m, (nuint)(c * Tp + blk + 8)), b0);
                a1 = Vector256.FusedMultiplyAdd(u1, Vector256.LoadUnsafe(ref m, (nuint)((c + 1) * Tp + blk)), a1);
                b1 = Vector256.FusedMultiplyAdd(u1, Vector256.LoadUnsafe(ref m, (nuint)((c + 1) * Tp + blk + 8)), b1);
            }
            ((a0 + a1) * s).StoreUnsafe(ref o, (nuint)blk);
            ((b0 + b1) * s).StoreUnsafe(ref o, (nuint)(blk + 8));
        }
    }

    /// <summary>Σ_{t2 &lt; n} w[t2]·x[at + t2·stride .. +8]: 8 floats of one head, two rows per iteration on independent FMA
    /// chains (added at the end), the weighted sum both attention's forward (out = Σ a·v) and backward (dq = Σ dpre·k) need.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> WeightedRows(ref float w, int n, ref float x, int at, int stride)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        int t2 = 0;
        for (; t2 + 1 < n; t2 += 2)
        {
            acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w, t2)), Vector256.LoadUnsafe(ref x, (nuint)(at + t2 * stride)), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w, t2 + 1)),
                Vector256.LoadUnsafe(ref x, (nuint)(at + (t2 + 1) * stride)), acc1);
        }
        if (t2 < n) acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w, t2)), Vector256.LoadUnsafe(ref x, (nuint)(at + t2 * stride)), acc0);
        return acc0 + acc1;
    }
}
