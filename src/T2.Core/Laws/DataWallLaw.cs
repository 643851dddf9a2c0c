namespace T2.Core.Laws;

/// <summary>How repeated data is valued: Muennighoff et al. 2023's effective data and parameters, or an additive penalty.</summary>
public enum WallForm { Muennighoff, Penalty }

/// <summary>
/// The data wall (beyond the paper, which assumes unlimited unique data): training on D tokens drawn from a corpus of U
/// unique tokens, repeated R_D = D/U − 1 times beyond the first epoch.
/// <para>Muennighoff et al. 2023 ("Scaling Data-Constrained Language Models"): repeated tokens are worth less,
/// D′ = U_D + U_D·R*_D·(1 − e^(−R_D/R*_D)) with U_D = min(D, U); and parameters beyond those the unique data can use are
/// worth less, N′ = U_N + U_N·R*_N·(1 − e^(−R_N/R*_N)) with U_N = min(N, N_opt(U)) and R_N = N/U_N − 1, where N_opt(U) is the
/// size the base law trains compute-optimally on U tokens. The loss is the base law at (N′, D′). Published: R*_D ≈ 15.4,
/// R*_N ≈ 5.3.</para>
/// <para>Penalty (the additive form of Lovelace et al. 2026, "Prescriptive Scaling Laws for Data Constrained Training",
/// in spirit: one coefficient that isolates over-fitting): the base law at (N, D) plus λ·R_D·N/U — repetitions times the
/// parameters available per unique token to memorise it. This exact term is t2's choice; the paper's own functional form
/// was not available here.</para>
/// </summary>
public sealed record DataWallLaw(WallForm Form, double RStarD, double RStarN, double Lambda)
{
    public static readonly DataWallLaw Published = new(WallForm.Muennighoff, 15.4, 5.3, 0);

    public static double Repetitions(double d, double u) => Math.Max(d / u - 1, 0);

    public double EffectiveD(double d, double u)
    {
        double ud = Math.Min(d, u), r = Math.Max(d / ud - 1, 0);
        return ud + ud * RStarD * -double.ExpM1(-r / RStarD);
    }

    /// <summary>N_opt(U): the size whose compute-optimal data is U tokens under <paramref name="law"/> (αA/N^α = βB/D^β).</summary>
    public static double OptimalNFor(ChinchillaLaw law, double u)
    {
        if (!(law.Alpha > 0) || !(law.A > 0)) return double.PositiveInfinity; // no N term: any size is "supported"
        if (!(law.Beta > 0) || !(law.B > 0)) return double.PositiveInfinity;
        return Math.Exp((Math.Log(law.Alpha * law.A) - Math.Log(law.Beta * law.B) + law.Beta * Math.Log(u)) / law.Alpha);
    }

    public double EffectiveN(double n, double u, ChinchillaLaw law)
    {
        // At least one parameter is "supported" (N_opt(U) underflows to 0 when α is tiny: every parameter is then excess).
        double un = Math.Max(Math.Min(n, OptimalNFor(law, u)), Math.Min(n, 1)), r = Math.Max(n / un - 1, 0);
        return un + un * RStarN * -double.ExpM1(-r / RStarN);
    }

    public double Penalty(double n, double d, double u) => Lambda * Repetitions(d, u) * n / u;

    /// <summary>The stage-1 (Chinchilla-form) loss at N, D from U unique tokens.</summary>
    public double Loss(ChinchillaLaw law, double n, double d, double u) => Form == WallForm.Muennighoff
        ? law.Predict(EffectiveN(n, u, law), EffectiveD(d, u))
        : law.Predict(n, d) + Penalty(n, d, u);

    /// <summary>Approach 1's NLL_k at N, D from U unique tokens (the same effective N′, D′ or the same penalty).</summary>
    public double Loss(Approach1Law law, double n, double d, double k, double u) => Form == WallForm.Muennighoff
        ? law.Predict(EffectiveN(n, u, law.AtKOne()), EffectiveD(d, u), k)
        : law.Predict(n, d, k) + Penalty(n, d, u);

    public override string ToString() => Form == WallForm.Muennighoff
        ? FormattableString.Invariant($"Muennighoff: R*_D = {RStarD:G4}, R*_N = {RStarN:G4}")
        : FormattableString.Invariant($"penalty: λ = {Lambda:G4} (L + λ·R_D·N/U)");
}
