using System.Numerics;
using System.Numerics.Tensors;

namespace T2.Testbed.Model.Layers;

/// <summary>
/// GELU, tanh approximation (GPT-2): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Vectorised with TensorPrimitives in
/// chunks whose scratch lives on the stack, so the training loop allocates nothing.
/// </summary>
public static class Gelu
{
    private const int Chunk = 1024;

    public static void Forward<T>(Span<T> output, ReadOnlySpan<T> inp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T k = T.CreateChecked(0.7978845608028654), a = T.CreateChecked(0.044715), half = T.CreateChecked(0.5);
        Span<T> u = stackalloc T[Chunk];
        for (int s = 0; s < inp.Length; s += Chunk)
        {
            int n = Math.Min(Chunk, inp.Length - s);
            var x = inp.Slice(s, n); var o = output.Slice(s, n); var t = u[..n];
            TensorPrimitives.Multiply(x, x, t);
            TensorPrimitives.Multiply(t, x, t);          // x³
            TensorPrimitives.MultiplyAdd(t, a, x, t);     // x + a·x³
            TensorPrimitives.Multiply(t, k, t);
            TensorPrimitives.Tanh(t, t);                  // th
            TensorPrimitives.Add(t, T.One, t);
            TensorPrimitives.Multiply(t, x, t);
            TensorPrimitives.Multiply(t, half, o);        // 0.5·x·(1 + th)  (o may alias x: written last)
        }
    }

    /// <summary>Adds into dinp: dGELU/dx = 0.5(1 + th) + 0.5·x·(1 − th²)·k·(1 + 3a·x²).</summary>
    public static void Backward<T>(Span<T> dinp, ReadOnlySpan<T> inp, ReadOnlySpan<T> dout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T k = T.CreateChecked(0.7978845608028654), a = T.CreateChecked(0.044715), half = T.CreateChecked(0.5), three = T.CreateChecked(3);
        Span<T> th = stackalloc T[Chunk]; Span<T> x2 = stackalloc T[Chunk];
        for (int s = 0; s < inp.Length; s += Chunk)
        {
            int n = Math.Min(Chunk, inp.Length - s);
            var x = inp.Slice(s, n); var t = th[..n]; var q = x2[..n];
            TensorPrimitives.Multiply(x, x, q);                    // x²
            TensorPrimitives.Multiply(q, x, t);
            TensorPrimitives.MultiplyAdd(t, a, x, t);
            TensorPrimitives.Multiply(t, k, t);
            TensorPrimitives.Tanh(t, t);                           // th
            // q ← k·(1 + 3a·x²)
            TensorPrimitives.Multiply(q, three * a, q);
            TensorPrimitives.Add(q, T.One, q);
            TensorPrimitives.Multiply(q, k, q);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // The loop below, Vector<T>.Count elements at a time (same operations in the same order).
                Vector<T> one = Vector<T>.One, hv = new(half);
                var di = dinp.Slice(s); var dO = dout.Slice(s);
                for (; i + Vector<T>.Count <= n; i += Vector<T>.Count)
                {
                    Vector<T> h = new(t[i..]), xi = new(x[i..]), qi = new(q[i..]);
                    var grad = hv * (one + h) + hv * xi * (one - h * h) * qi;
                    (new Vector<T>(di[i..]) + grad * new Vector<T>(dO[i..])).CopyTo(di[i..]);
                }
            }
            for (; i < n; i++)
            {
                T h = t[i];
                T grad = half * (T.One + h) + half * x[i] * (T.One - h * h) * q[i];
                dinp[s + i] += grad * dout[s + i];
            }
        }
    }
}
