using System.Numerics;
using System.Numerics.Tensors;

namespace T2.Testbed.Model.Layers;

/// <summary>out = a + b; backward adds dout into both.</summary>
public static class Residual
{
    public static void Forward<T>(Span<T> output, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => TensorPrimitives.Add(a, b, output);

    public static void Backward<T>(Span<T> da, Span<T> db, ReadOnlySpan<T> dout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Add(da, dout, da);
        TensorPrimitives.Add(db, dout, db);
    }
}
