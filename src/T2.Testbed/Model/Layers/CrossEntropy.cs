using System.Numerics;
using System.Numerics.Tensors;

namespace T2.Testbed.Model.Layers;

/// <summary>Softmax over the vocabulary (max subtracted) and cross-entropy, fused; backward is probs − onehot, scaled.</summary>
public static class CrossEntropy
{
    /// <summary>probs (N, V) from logits (N, V); losses[i] = −log probs[i, target[i]] (targets &lt; 0 are ignored: loss 0).</summary>
    public static void Forward<T>(Seg<T> probs, Span<T> losses, Seg<T> logits, ReadOnlySpan<int> targets, int N, int V)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = Job<T>.Cached ??= new Job<T>();
        (j.Probs, j.Logits, j.V) = (probs, logits, V);
        WorkerPool.Shared.For(N, j);
        j.Probs = j.Logits = default;
        for (int i = 0; i < N; i++) losses[i] = targets[i] < 0 ? T.Zero : -T.Log(probs.Array[probs.Offset + i * V + targets[i]]);
    }

    private sealed class Job<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Seg<T> Probs, Logits; public int V;
        public void Invoke(int i)
        {
            var l = Logits.Row(i, V); var p = Probs.Row(i, V);
            TensorPrimitives.Subtract(l, TensorPrimitives.Max<T>(l), p);   // max-shifted, so exp cannot overflow
            TensorPrimitives.Exp<T>(p, p);
            TensorPrimitives.Multiply(p, T.One / TensorPrimitives.Sum<T>(p), p);
        }
        [ThreadStatic] public static Job<T>? Cached;
    }

    /// <summary>Adds into dlogits: dloss[i]·(probs[i] − onehot(target[i])).</summary>
    public static void Backward<T>(Seg<T> dlogits, Seg<T> probs, ReadOnlySpan<T> dloss, ReadOnlySpan<int> targets, int N, int V)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < N; i++)
        {
            if (targets[i] < 0) continue;
            var dl = dlogits.Row(i, V); var p = probs.Row(i, V);
            T g = dloss[i];
            for (int v = 0; v < V; v++) dl[v] += g * (p[v] - (v == targets[i] ? T.One : T.Zero));
        }
    }
}
