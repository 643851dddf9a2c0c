namespace T2.Core.Laws;

/// <summary>
/// Chinchilla pretraining law L(N, D) = E + A/N^α + B/D^β (t2-maths.md §3), all five parameters ≥ 0.
/// Evaluated in log space: L = exp(LSE(log A − α log N, log B − β log D, log E)).
/// </summary>
public sealed record ChinchillaLaw(double E, double A, double B, double Alpha, double Beta)
{
    public double Predict(double n, double d)
    {
        if (!(n > 0) || !(d > 0)) throw new ArgumentOutOfRangeException(nameof(n), "N and D must be > 0.");
        return E + A * Math.Exp(-Alpha * Math.Log(n)) + B * Math.Exp(-Beta * Math.Log(d));
    }

    /// <summary>Exponent a in N_opt ∝ C^a: β/(α+β).</summary>
    public double NExponent => Beta / (Alpha + Beta);

    /// <summary>Exponent b in D_opt ∝ C^b: α/(α+β).</summary>
    public double DExponent => Alpha / (Alpha + Beta);

    /// <summary>
    /// Training-compute-optimal allocation at C = 6ND (closed form): G = (αA/βB)^(1/(α+β)),
    /// N_opt = G·(C/6)^(β/(α+β)), D_opt = (C/6)^(α/(α+β))/G.
    /// </summary>
    public ComputeOptimum ComputeOptimal(double computeFlops)
    {
        if (!(computeFlops > 0) || double.IsInfinity(computeFlops)) throw new ArgumentOutOfRangeException(nameof(computeFlops), "C must be finite and > 0.");
        double s = Alpha + Beta;
        double logG = (Math.Log(Alpha * A) - Math.Log(Beta * B)) / s;
        double logC6 = Math.Log(computeFlops / 6);
        double n = Math.Exp(logG + Beta / s * logC6);
        double d = Math.Exp(Alpha / s * logC6 - logG);
        return new ComputeOptimum(computeFlops, n, d, d / n, Predict(n, d));
    }

    public override string ToString() =>
        FormattableString.Invariant($"L(N,D) = {E:R} + {A:R}/N^{Alpha:R} + {B:R}/D^{Beta:R}");
}

/// <summary>The loss-minimising (N, D) at a training budget C = 6ND.</summary>
public sealed record ComputeOptimum(double Compute, double N, double D, double TokensPerParameter, double Loss);
