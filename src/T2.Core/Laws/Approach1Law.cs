namespace T2.Core.Laws;

/// <summary>
/// T² Approach 1 (t2-maths.md §4): L̂(N, D, k) = E + A/N^α + B/D^β + G/k^γ, the expected task loss −log pass@k.
/// At k = 1 it is a Chinchilla law with floor E + G.
/// </summary>
public sealed record Approach1Law(double E, double A, double B, double Alpha, double Beta, double G, double Gamma)
{
    public double Predict(double n, double d, double k)
    {
        if (!(n > 0) || !(d > 0) || !(k > 0)) throw new ArgumentOutOfRangeException(nameof(n), "N, D and k must be > 0.");
        return E + A * Math.Exp(-Alpha * Math.Log(n)) + B * Math.Exp(-Beta * Math.Log(d)) + G * Math.Exp(-Gamma * Math.Log(k));
    }

    /// <summary>The law at k = 1: a Chinchilla law with floor E + G (the stage-1 law of a task fitted by Approach 1 alone).</summary>
    public ChinchillaLaw AtKOne() => new(E + G, A, B, Alpha, Beta);

    public override string ToString() =>
        FormattableString.Invariant($"L(N,D,k) = {E:R} + {A:R}/N^{Alpha:R} + {B:R}/D^{Beta:R} + {G:R}/k^{Gamma:R}");
}
