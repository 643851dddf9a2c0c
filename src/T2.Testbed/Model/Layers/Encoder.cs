using System.Numerics;
using System.Numerics.Tensors;

namespace T2.Testbed.Model.Layers;

/// <summary>Token + position embedding. out (B,T,C) = wte[token] + wpe[t].</summary>
public static class Encoder
{
    public static void Forward<T>(Span<T> output, ReadOnlySpan<int> tokens, ReadOnlySpan<T> wte, ReadOnlySpan<T> wpe, int B, int Tn, int C)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < Tn; t++)
                TensorPrimitives.Add(wte.Slice(tokens[b * Tn + t] * C, C), wpe.Slice(t * C, C), output.Slice((b * Tn + t) * C, C));
    }

    /// <summary>Adds into dwte and dwpe. Serial: rows with the same token (or position) write the same gradient row.</summary>
    public static void Backward<T>(Span<T> dwte, Span<T> dwpe, ReadOnlySpan<T> dout, ReadOnlySpan<int> tokens, int B, int Tn, int C)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < Tn; t++)
            {
                var d = dout.Slice((b * Tn + t) * C, C);
                var we = dwte.Slice(tokens[b * Tn + t] * C, C); TensorPrimitives.Add(we, d, we);
                var pe = dwpe.Slice(t * C, C); TensorPrimitives.Add(pe, d, pe);
            }
    }
}
