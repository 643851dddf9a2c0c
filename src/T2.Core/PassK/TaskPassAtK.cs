namespace T2.Core.PassK;

/// <summary>Task-level means over questions (t2-maths.md §2): Acc_k = mean pass@k, NLL_k = mean −log pass@k.</summary>
public static class TaskPassAtK
{
    /// <summary>Mean unbiased pass@k over questions with sample counts. Every question needs n ≥ k.</summary>
    public static double MeanUnbiased(ReadOnlySpan<long> n, ReadOnlySpan<long> c, double k)
    {
        if (n.Length != c.Length) throw new ArgumentException("n and c must have the same length.");
        if (n.Length == 0) throw new ArgumentException("No questions.");
        double sum = 0;
        for (int i = 0; i < n.Length; i++) sum += PassAtK.Unbiased(n[i], c[i], k);
        return sum / n.Length;
    }

    /// <summary>Mean pass@k over questions with answer NLLs (exact, p = e^−nll).</summary>
    public static double MeanFromNll(ReadOnlySpan<double> nll, double k)
    {
        if (nll.Length == 0) throw new ArgumentException("No questions.");
        double sum = 0;
        for (int i = 0; i < nll.Length; i++) sum += PassAtK.FromNll(nll[i], k);
        return sum / nll.Length;
    }

    /// <summary>Mean −log pass@k over questions with answer NLLs; at k = 1 it is the mean answer NLL.</summary>
    public static double MeanNegLogFromNll(ReadOnlySpan<double> nll, double k)
    {
        if (nll.Length == 0) throw new ArgumentException("No questions.");
        double sum = 0;
        for (int i = 0; i < nll.Length; i++) sum += PassAtK.NegLogFromNll(nll[i], k);
        return sum / nll.Length;
    }

    /// <summary>
    /// Per-question mean of −log pass@k with counts, using the Jeffreys posterior mean p̂ = (c + ½)/(n + 1)
    /// in place of the unbiased estimate so that never-solved questions stay finite (t2-maths.md §4 option).
    /// </summary>
    public static double MeanNegLogJeffreys(ReadOnlySpan<long> n, ReadOnlySpan<long> c, double k)
    {
        if (n.Length != c.Length) throw new ArgumentException("n and c must have the same length.");
        if (n.Length == 0) throw new ArgumentException("No questions.");
        double sum = 0;
        for (int i = 0; i < n.Length; i++) sum += PassAtK.NegLogFromProbability((c[i] + 0.5) / (n[i] + 1.0), k);
        return sum / n.Length;
    }
}
