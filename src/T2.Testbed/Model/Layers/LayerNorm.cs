using System.Numerics;

namespace T2.Testbed.Model.Layers;

/// <summary>LayerNorm over C with learned weight and bias (ε = 1e−5). Forward caches mean and rstd (B·T) for backward.</summary>
public static class LayerNorm
{
    public static void Forward<T>(Span<T> output, Span<T> mean, Span<T> rstd, ReadOnlySpan<T> inp, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, int N, int C)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T eps = T.CreateChecked(1e-5), invC = T.One / T.CreateChecked(C);
        for (int i = 0; i < N; i++)
        {
            var x = inp.Slice(i * C, C);
            T m = T.Zero; for (int c = 0; c < C; c++) m += x[c];
            m *= invC;
            T v = T.Zero; for (int c = 0; c < C; c++) { T d = x[c] - m; v += d * d; }
            v *= invC;
            T s = T.One / T.Sqrt(v + eps);
            var o = output.Slice(i * C, C);
            for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * weight[c] + bias[c];
            mean[i] = m; rstd[i] = s;
        }
    }

    /// <summary>Adds into dinp, dweight, dbias. With x̂ = (x − μ)·rstd: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dout·w.</summary>
    public static void Backward<T>(Span<T> dinp, Span<T> dweight, Span<T> dbias, ReadOnlySpan<T> dout, ReadOnlySpan<T> inp, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, int N, int C)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T invC = T.One / T.CreateChecked(C);
        for (int i = 0; i < N; i++)
        {
            var x = inp.Slice(i * C, C); var d = dout.Slice(i * C, C); var dx = dinp.Slice(i * C, C);
            T m = mean[i], s = rstd[i];
            T dnormMean = T.Zero, dnormNormMean = T.Zero;
            for (int c = 0; c < C; c++)
            {
                T norm = (x[c] - m) * s, dnorm = weight[c] * d[c];
                dnormMean += dnorm; dnormNormMean += dnorm * norm;
            }
            dnormMean *= invC; dnormNormMean *= invC;
            for (int c = 0; c < C; c++)
            {
                T norm = (x[c] - m) * s, dnorm = weight[c] * d[c];
                dbias[c] += d[c];
                dweight[c] += norm * d[c];
                dx[c] += (dnorm - dnormMean - norm * dnormNormMean) * s;
            }
        }
    }
}
