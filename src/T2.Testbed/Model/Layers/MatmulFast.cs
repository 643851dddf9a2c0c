using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace T2.Testbed.Model.Layers;

/// <summary>
/// Register-tiled float32 kernels behind <see cref="Matmul"/> (used when C is a multiple of 16). Each tile keeps 4×4
/// (forward) or 4×16 (backward) partial sums in Vector256 registers so every load feeds four FMAs instead of one.
/// Same partition and reduction order on any machine; tests compare them with the naive reference.
/// </summary>
internal static class MatmulFast
{
    private const int Rows = 16; // rows per parallel work item (fixed, so results do not depend on the thread count)

    // out (N, OC) = inp (N, C) · wᵀ + bias
    private sealed class ForwardJob : IParallelBody
    {
        public float[] O = [], X = [], W = []; public float[]? B; public int OOff, XOff, WOff, BOff, N, C, OC;
        public void Invoke(int blk) => ForwardBlock(O, OOff, X, XOff, W, WOff, B, BOff, N, C, OC, blk);
    }
    [ThreadStatic] private static ForwardJob? t_forward;

    public static void Forward(float[] o, int oOff, float[] x, int xOff, float[] w, int wOff, float[]? b, int bOff, int N, int C, int OC)
    {
        var j = t_forward ??= new ForwardJob();
        (j.O, j.OOff, j.X, j.XOff, j.W, j.WOff, j.B, j.BOff, j.N, j.C, j.OC) = (o, oOff, x, xOff, w, wOff, b, bOff, N, C, OC);
        WorkerPool.Shared.For((N + Rows - 1) / Rows, j);
        j.B = null; j.O = j.X = j.W = [];
    }

    private static void ForwardBlock(float[] o, int oOff, float[] x, int xOff, float[] w, int wOff, float[]? b, int bOff, int N, int C, int OC, int blk)
    {
        int lo = blk * Rows, hi = Math.Min(N, lo + Rows);
        int i = lo;
        for (; i + 4 <= hi; i += 4)
        {
            int j = 0;
            for (; j + 4 <= OC; j += 4) Tile4x4(o, oOff, x, xOff, w, wOff, b, bOff, i, j, C, OC);
            for (; j < OC; j++) for (int r = 0; r < 4; r++) o[oOff + (i + r) * OC + j] = Dot(x, xOff + (i + r) * C, w, wOff + j * C, C) + (b is null ? 0 : b[bOff + j]);
        }
        for (; i < hi; i++)
            for (int j = 0; j < OC; j++) o[oOff + i * OC + j] = Dot(x, xOff + i * C, w, wOff + j * C, C) + (b is null ? 0 : b[bOff + j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x4(float[] o, int oOff, float[] x, int xOff, float[] w, int wOff, float[]? b, int bOff, int i, int j, int C, int OC)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        ref float xr = ref x[xOff + i * C]; ref float wr = ref w[wOff + j * C];
        for (int c = 0; c < C; c += 8)
        {
            var x0 = Vector256.LoadUnsafe(ref xr, (nuint)c); var x1 = Vector256.LoadUnsafe(ref xr, (nuint)(C + c));
            var x2 = Vector256.LoadUnsafe(ref xr, (nuint)(2 * C + c)); var x3 = Vector256.LoadUnsafe(ref xr, (nuint)(3 * C + c));
            var w0 = Vector256.LoadUnsafe(ref wr, (nuint)c); var w1 = Vector256.LoadUnsafe(ref wr, (nuint)(C + c));
            var w2 = Vector256.LoadUnsafe(ref wr, (nuint)(2 * C + c)); var w3 = Vector256.LoadUnsafe(ref wr, (nuint)(3 * C + c));
            a00 = Vector256.FusedMultiplyAdd(x0, w0, a00); a01 = Vector256.FusedMultiplyAdd(x0, w1, a01); a02 = Vector256.FusedMultiplyAdd(x0, w2, a02); a03 = Vector256.FusedMultiplyAdd(x0, w3, a03);
            a10 = Vector256.FusedMultiplyAdd(x1, w0, a10); a11 = Vector256.FusedMultiplyAdd(x1, w1, a11); a12 = Vector256.FusedMultiplyAdd(x1, w2, a12); a13 = Vector256.FusedMultiplyAdd(x1, w3, a13);
            a20 = Vector256.FusedMultiplyAdd(x2, w0, a20); a21 = Vector256.FusedMultiplyAdd(x2, w1, a21); a22 = Vector256.FusedMultiplyAdd(x2, w2, a22); a23 = Vector256.FusedMultiplyAdd(x2, w3, a23);
            a30 = Vector256.FusedMultiplyAdd(x3, w0, a30); a31 = Vector256.FusedMultiplyAdd(x3, w1, a31); a32 = Vector256.FusedMultiplyAdd(x3, w2, a32); a33 = Vector256.FusedMultiplyAdd(x3, w3, a33);
        }
        float b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        if (b is not null) { b0 = b[bOff + j]; b1 = b[bOff + j + 1]; b2 = b[bOff + j + 2]; b3 = b[bOff + j + 3]; }
        int r0 = oOff + i * OC + j;
        o[r0] = Vector256.Sum(a00) + b0; o[r0 + 1] = Vector256.Sum(a01) + b1; o[r0 + 2] = Vector256.Sum(a02) + b2; o[r0 + 3] = Vector256.Sum(a03) + b3;
        r0 += OC; o[r0] = Vector256.Sum(a10) + b0; o[r0 + 1] = Vector256.Sum(a11) + b1; o[r0 + 2] = Vector256.Sum(a12) + b2; o[r0 + 3] = Vector256.Sum(a13) + b3;
        r0 += OC; o[r0] = Vector256.Sum(a20) + b0; o[r0 + 1] = Vector256.Sum(a21) + b1; o[r0 + 2] = Vector256.Sum(a22) + b2; o[r0 + 3] = Vector256.Sum(a23) + b3;
        r0 += OC; o[r0] = Vector256.Sum(a30) + b0; o[r0 + 1] = Vector256.Sum(a31) + b1; o[r0 + 2] = Vector256.Sum(a32) + b2; o[r0 + 3] = Vector256.Sum(a33) + b3;
    }

    /// <summary>A 4-row × 16-column block of a row-major matrix (row stride C) held in eight Vector256 registers.</summary>
    private struct Tile4x16
    {
        private Vector256<float> _s00, _s01, _s10, _s11, _s20, _s21, _s30, _s31;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile4x16 Load(ref float r, int stride) => new()
        {
            _s00 = Vector256.LoadUnsafe(ref r), _s01 = Vector256.LoadUnsafe(ref r, 8),
            _s10 = Vector256.LoadUnsafe(ref r, (nuint)stride), _s11 = Vector256.LoadUnsafe(ref r, (nuint)(stride + 8)),
            _s20 = Vector256.LoadUnsafe(ref r, (nuint)(2 * stride)), _s21 = Vector256.LoadUnsafe(ref r, (nuint)(2 * stride + 8)),
            _s30 = Vector256.LoadUnsafe(ref r, (nuint)(3 * stride)), _s31 = Vector256.LoadUnsafe(ref r, (nuint)(3 * stride + 8)),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(ref float r, int stride)
        {
            _s00.StoreUnsafe(ref r); _s01.StoreUnsafe(ref r, 8);
            _s10.StoreUnsafe(ref r, (nuint)stride); _s11.StoreUnsafe(ref r, (nuint)(stride + 8));
            _s20.StoreUnsafe(ref r, (nuint)(2 * stride)); _s21.StoreUnsafe(ref r, (nuint)(2 * stride + 8));
            _s30.StoreUnsafe(ref r, (nuint)(3 * stride)); _s31.StoreUnsafe(ref r, (nuint)(3 * stride + 8));
        }

        /// <summary>Row r += g_r · (v0, v1): the rank-1 update both backward kernels are made of.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Fma(float g0, float g1, float g2, float g3, Vector256<float> v0, Vector256<float> v1)
        {
            var b0 = Vector256.Create(g0); var b1 = Vector256.Create(g1); var b2 = Vector256.Create(g2); var b3 = Vector256.Create(g3);
            _s00 = Vector256.FusedMultiplyAdd(b0, v0, _s00); _s01 = Vector256.FusedMultiplyAdd(b0, v1, _s01);
            _s10 = Vector256.FusedMultiplyAdd(b1, v0, _s10); _s11 = Vector256.FusedMultiplyAdd(b1, v1, _s11);
            _s20 = Vector256.FusedMultiplyAdd(b2, v0, _s20); _s21 = Vector256.FusedMultiplyAdd(b2, v1, _s21);
            _s30 = Vector256.FusedMultiplyAdd(b3, v0, _s30); _s31 = Vector256.FusedMultiplyAdd(b3, v1, _s31);
        }
    }

    private static float Dot(float[] a, int aOff, float[] b, int bOff, int n)
        => System.Numerics.Tensors.TensorPrimitives.Dot(a.AsSpan(aOff, n), b.AsSpan(bOff, n));

    // dinp (N, C) += dout (N, OC) · w (OC, C)
    private sealed class InputJob : IParallelBody
    {
        public float[] Dx = [], D = [], W = []; public int DxOff, DOff, WOff, N, C, OC;
        public void Invoke(int blk) => BackwardInputBlock(Dx, DxOff, D, DOff, W, WOff, N, C, OC, blk);
    }
    [ThreadStatic] private static InputJob? t_input;

    public static void BackwardInput(float[] dx, int dxOff, float[] d, int dOff, float[] w, int wOff, int N, int C, int OC)
    {
        var j = t_input ??= new InputJob();
        (j.Dx, j.DxOff, j.D, j.DOff, j.W, j.WOff, j.N, j.C, j.OC) = (dx, dxOff, d, dOff, w, wOff, N, C, OC);
        WorkerPool.Shared.For((N + Rows - 1) / Rows, j);
        j.Dx = j.D = j.W = [];
    }

    private static void BackwardInputBlock(float[] dx, int dxOff, float[] d, int dOff, float[] w, int wOff, int N, int C, int OC, int blk)
    {
        int lo = blk * Rows, hi = Math.Min(N, lo + Rows);
        int i = lo;
        for (; i + 4 <= hi; i += 4)
            for (int c = 0; c < C; c += 16)
            {
                ref float dxr = ref dx[dxOff + i * C + c];
                var t = Tile4x16.Load(ref dxr, C);
                int dRow = dOff + i * OC;
                for (int j = 0; j < OC; j++)
                {
                    ref float wr = ref w[wOff + j * C + c];
                    t.Fma(d[dRow + j], d[dRow + OC + j], d[dRow + 2 * OC + j], d[dRow + 3 * OC + j], Vector256.LoadUnsafe(ref wr), Vector256.LoadUnsafe(ref wr, 8));
                }
                t.Store(ref dxr, C);
            }
        for (; i < hi; i++)
            for (int j = 0; j < OC; j++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w.AsSpan(wOff + j * C, C), d[dOff + i * OC + j], dx.AsSpan(dxOff + i * C, C), dx.AsSpan(dxOff + i * C, C));
    }

    // dw (OC, C) += doutᵀ (OC, N) · inp (N, C);  db (OC) += Σ_i dout[i]
    private sealed class WeightJob : IParallelBody
    {
        public float[] Dw = [], D = [], X = []; public float[]? Db; public int DwOff, DbOff, DOff, XOff, N, C, OC;
        public void Invoke(int blk) => BackwardWeightBlock(Dw, DwOff, Db, DbOff, D, DOff, X, XOff, N, C, OC, blk);
    }
    [ThreadStatic] private static WeightJob? t_weight;

    public static void BackwardWeight(float[] dw, int dwOff, float[]? db, int dbOff, float[] d, int dOff, float[] x, int xOff, int N, int C, int OC)
    {
        var j = t_weight ??= new WeightJob();
        (j.Dw, j.DwOff, j.Db, j.DbOff, j.D, j.DOff, j.X, j.XOff, j.N, j.C, j.OC) = (dw, dwOff, db, dbOff, d, dOff, x, xOff, N, C, OC);
        WorkerPool.Shared.For((OC + 3) / 4, j);
        j.Db = null; j.Dw = j.D = j.X = [];
    }

    private static void BackwardWeightBlock(float[] dw, int dwOff, float[]? db, int dbOff, float[] d, int dOff, float[] x, int xOff, int N, int C, int OC, int blk)
    {
        int j = blk * 4;
        if (j + 4 <= OC)
        {
            for (int c = 0; c < C; c += 16)
            {
                ref float dwr = ref dw[dwOff + j * C + c];
                var t = Tile4x16.Load(ref dwr, C);
                for (int i = 0; i < N; i++)
                {
                    ref float xr = ref x[xOff + i * C + c];
                    int dr = dOff + i * OC + j;
                    t.Fma(d[dr], d[dr + 1], d[dr + 2], d[dr + 3], Vector256.LoadUnsafe(ref xr), Vector256.LoadUnsafe(ref xr, 8));
                }
                t.Store(ref dwr, C);
            }
        }
        else
        {
            for (int jj = j; jj < OC; jj++)
                for (int i = 0; i < N; i++)
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x.AsSpan(xOff + i * C, C), d[dOff + i * OC + jj], dw.AsSpan(dwOff + jj * C, C), dw.AsSpan(dwOff + jj * C, C));
        }
        if (db is not null)
            for (int jj = j; jj < Math.Min(OC, j + 4); jj++)
            {
                float s = 0;
                for (int i = 0; i < N; i++) s += d[dOff + i * OC + jj];
                db[dbOff + jj] += s;
            }
    }
}
