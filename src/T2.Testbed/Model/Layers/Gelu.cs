using System.Numerics;

namespace T2.Testbed.Model.Layers;

/// <summary>GELU, tanh approximation (GPT-2): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
public static class Gelu
{
    public static void Forward<T>(Span<T> output, ReadOnlySpan<T> inp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T k = T.CreateChecked(0.7978845608028654), a = T.CreateChecked(0.044715), half = T.CreateChecked(0.5);
        for (int i = 0; i < inp.Length; i++)
        {
            T x = inp[i];
            output[i] = half * x * (T.One + T.Tanh(k * (x + a * x * x * x)));
        }
    }

    /// <summary>Adds into dinp.</summary>
    public static void Backward<T>(Span<T> dinp, ReadOnlySpan<T> inp, ReadOnlySpan<T> dout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T k = T.CreateChecked(0.7978845608028654), a = T.CreateChecked(0.044715), half = T.CreateChecked(0.5), three = T.CreateChecked(3);
        for (int i = 0; i < inp.Length; i++)
        {
            T x = inp[i];
            T u = k * (x + a * x * x * x);
            T th = T.Tanh(u);
            T sech2 = T.One - th * th;
            T grad = half * (T.One + th) + half * x * sech2 * k * (T.One + three * a * x * x);
            dinp[i] += grad * dout[i];
        }
    }
}
