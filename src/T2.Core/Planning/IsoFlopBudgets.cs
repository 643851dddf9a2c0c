namespace T2.Core.Planning;

/// <summary>A training budget of the data and the indices of the checkpoints trained at it.</summary>
public sealed record IsoFlopBudget(double C, IReadOnlyList<int> Members);

public static class IsoFlopBudgets
{
    /// <summary>
    /// The data's training budgets: C = 6ND binned to <paramref name="decades"/> of a decade (0.1 by default, tight enough
    /// that an isoFLOP ladder's runs fall in one bin and its budgets in different ones), bins with at least
    /// <paramref name="minMembers"/> checkpoints, in increasing C; each budget is its members' geometric-mean C.
    /// </summary>
    public static List<IsoFlopBudget> Of(IReadOnlyList<double> n, IReadOnlyList<double> d, double decades = 0.1, int minMembers = 3) =>
        Enumerable.Range(0, n.Count).GroupBy(i => Math.Round(Math.Log10(Budgets.TrainFlops(n[i], d[i])) / decades))
            .Where(g => g.Count() >= minMembers).OrderBy(g => g.Key)
            .Select(g => new IsoFlopBudget(Math.Pow(10, g.Average(i => Math.Log10(Budgets.TrainFlops(n[i], d[i])))), g.ToList())).ToList();
}
