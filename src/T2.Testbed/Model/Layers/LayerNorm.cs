using System.Numerics;
using System.Numerics.Tensors;

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
            var x = inp.Slice(i * C, C); var o = output.Slice(i * C, C);
            T m = TensorPrimitives.Sum(x) * invC;
            TensorPrimitives.Subtract(x, m, o);                         // x − μ
            T s = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(o) * invC + eps);
            TensorPrimitives.Multiply(o, s, o);                         // x̂
            TensorPrimitives.MultiplyAdd<T>(o, weight, bias, o);        // x̂·w + b
            mean[i] = m; rstd[i] = s;
        }
    }

    /// <summary>Adds into dinp, dweight, dbias. With x̂ = (x − μ)·rstd and g = dout·w: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).</summary>
    public static void Backward<T>(Span<T> dinp, Span<T> dweight, Span<T> dbias, ReadOnlySpan<T> dout, ReadOnlySpan<T> inp, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, int N, int C)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T invC = T.One / T.CreateChecked(C);
        Span<T> norm = C <= 2048 ? stackalloc T[C] : new T[C];
        Span<T> g = C <= 2048 ? stackalloc T[C] : new T[C];
        for (int i = 0; i < N; i++)
        {
            var x = inp.Slice(i * C, C); var d = dout.Slice(i * C, C); var dx = dinp.Slice(i * C, C);
            TensorPrimitives.Subtract(x, mean[i], norm);
            TensorPrimitives.Multiply(norm, rstd[i], norm);             // x̂
            TensorPrimitives.Multiply<T>(weight, d, g);                  // g = dout·w
            T gMean = TensorPrimitives.Sum<T>(g) * invC, gnMean = TensorPrimitives.Dot<T>(g, norm) * invC;
            TensorPrimitives.Add<T>(dbias, d, dbias);
            TensorPrimitives.MultiplyAdd<T>(norm, d, dweight, dweight);
            // dx += rstd·(g − gMean − x̂·gnMean)
            TensorPrimitives.MultiplyAdd(norm, -gnMean, g, g);
            TensorPrimitives.Subtract(g, gMean, g);
            TensorPrimitives.MultiplyAdd(g, rstd[i], dx, dx);
        }
    }
}
