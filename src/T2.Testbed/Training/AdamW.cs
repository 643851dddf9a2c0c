namespace T2.Testbed.Training;

/// <summary>AdamW (decoupled weight decay) over the flat parameter buffer; one loop, moments share the parameter layout.</summary>
public sealed class AdamW(int count, bool[] decayMask)
{
    public float[] M { get; } = new float[count];
    public float[] V { get; } = new float[count];
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.95f;
    public float Eps { get; init; } = 1e-8f;
    public float WeightDecay { get; init; } = 0.1f;

    /// <summary>One update at 1-based step <paramref name="t"/> with learning rate <paramref name="lr"/>.</summary>
    public void Step(Span<float> p, ReadOnlySpan<float> g, float lr, int t)
    {
        float bc1 = 1 - MathF.Pow(Beta1, t), bc2 = 1 - MathF.Pow(Beta2, t);
        var m = M.AsSpan(); var v = V.AsSpan();
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i];
            m[i] = Beta1 * m[i] + (1 - Beta1) * gi;
            v[i] = Beta2 * v[i] + (1 - Beta2) * gi * gi;
            float update = m[i] / bc1 / (MathF.Sqrt(v[i] / bc2) + Eps);
            if (decayMask[i]) update += WeightDecay * p[i];
            p[i] -= lr * update;
        }
    }
}
