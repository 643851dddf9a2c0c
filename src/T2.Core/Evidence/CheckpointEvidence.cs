namespace T2.Core.Evidence;

/// <summary>One checkpoint's per-question evidence on one task: answer NLLs, or sample counts (n, c).</summary>
public sealed record CheckpointEvidence(string Name, double N, double D, double[]? Nll, long[]? Samples, long[]? Correct)
{
    public bool IsCounts => Samples is not null;
    public int Questions => Nll?.Length ?? Samples!.Length;
    public long MinSamples => Samples is null ? long.MaxValue : Samples.Min();

    public TaskCurve Curve(double[] ks, CountTarget target) =>
        IsCounts ? TaskCurves.FromCounts(Samples!, Correct!, ks, target) : TaskCurves.FromNll(Nll!, ks);
}
