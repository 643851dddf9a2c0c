using T2.Core.PassK;

namespace T2.Core.Evidence;

/// <summary>How −log pass@k is formed from per-question sample counts (t2-maths.md §4; likelihood evidence always uses the per-question mean).</summary>
public enum CountTarget
{
    /// <summary>−log(mean_i pass@k_i), the quantity Schaeffer et al. fit: finite even when some questions were never solved (default).</summary>
    Aggregate,
    /// <summary>mean_i −log pass@k_i with the Jeffreys posterior mean p̂ = (c + ½)/(n + 1) per question.</summary>
    JeffreysPerQuestion,
}

/// <summary>One checkpoint's task-level curve: Acc_k and NLL_k at each k of a grid.</summary>
public sealed record TaskCurve(double[] K, double[] AccK, double[] NllK, int Questions, string Target);

public static class TaskCurves
{
    /// <summary>From answer NLLs: exact Acc_k = mean pass@k and NLL_k = mean −log pass@k (the paper's per-question mean).</summary>
    public static TaskCurve FromNll(ReadOnlySpan<double> nll, ReadOnlySpan<double> ks)
    {
        var acc = new double[ks.Length]; var nk = new double[ks.Length];
        for (int j = 0; j < ks.Length; j++)
        {
            acc[j] = TaskPassAtK.MeanFromNll(nll, ks[j]);
            nk[j] = TaskPassAtK.MeanNegLogFromNll(nll, ks[j]);
        }
        return new TaskCurve(ks.ToArray(), acc, nk, nll.Length, "per-question mean of −log pass@k (exact from nll)");
    }

    /// <summary>From sample counts: unbiased Acc_k (needs k ≤ n for every question) and NLL_k by <paramref name="target"/>.</summary>
    public static TaskCurve FromCounts(ReadOnlySpan<long> n, ReadOnlySpan<long> c, ReadOnlySpan<double> ks, CountTarget target = CountTarget.Aggregate)
    {
        long minN = long.MaxValue;
        foreach (var v in n) minN = Math.Min(minN, v);
        var acc = new double[ks.Length]; var nk = new double[ks.Length];
        for (int j = 0; j < ks.Length; j++)
        {
            if (ks[j] > minN) throw new ArgumentOutOfRangeException(nameof(ks), ks[j], $"k = {ks[j]} exceeds the fewest samples of any question ({minN}): no unbiased pass@k.");
            acc[j] = TaskPassAtK.MeanUnbiased(n, c, ks[j]);
            nk[j] = target == CountTarget.Aggregate ? -Math.Log(acc[j]) : TaskPassAtK.MeanNegLogJeffreys(n, c, ks[j]);
        }
        return new TaskCurve(ks.ToArray(), acc, nk, n.Length,
            target == CountTarget.Aggregate ? "−log of mean unbiased pass@k (aggregate)" : "per-question mean of −log pass@k, Jeffreys p̂ = (c+½)/(n+1)");
    }

    /// <summary>The default k grid 1, 2, 4, … up to <paramref name="kMax"/> (inclusive when a power of two).</summary>
    public static double[] PowersOfTwo(double kMax)
    {
        var list = new List<double>();
        for (double k = 1; k <= kMax; k *= 2) list.Add(k);
        return list.ToArray();
    }
}
