using T2.Core.Special;

namespace T2.Core.Laws;

/// <summary>
/// T² Approach 2 (t2-maths.md §5): per-question single-sample accuracy p ~ Beta(a, b) whose mean and concentration
/// follow the stage-1 predicted loss L̂ = L̂(N, D):
///   μ = θ2 / (1 + exp(θ1·(L̂ − θ0))),  ν = exp(θ3 + θ4·L̂),  a = μν,  b = (1 − μ)ν,
///   E[pass@k] = 1 − B(a, b + k)/B(a, b).
/// </summary>
public sealed record Approach2Law(ChinchillaLaw Loss, double Theta0, double Theta1, double Theta2, double Theta3, double Theta4)
{
    /// <summary>μ is kept inside (0, 1) by this margin so that a and b stay &gt; 0 in double precision.</summary>
    public const double MuMargin = 1e-12;

    /// <summary>The logistic factor s = 1/(1 + exp(θ1·(L̂ − θ0))) of μ = θ2·s (the fit's gradient needs s itself).</summary>
    public static double Logistic(double theta0, double theta1, double loss) => 1 / (1 + Math.Exp(theta1 * (loss - theta0)));

    /// <summary>μ before clamping, θ2·s; the fit needs to know when the clamp bites (its gradient is then 0).</summary>
    public static double RawMu(double theta0, double theta1, double theta2, double loss) => theta2 * Logistic(theta0, theta1, loss);

    public static double ClampMu(double rawMu) => Math.Clamp(rawMu, MuMargin, 1 - MuMargin);

    public static double NuOf(double theta3, double theta4, double loss) => Math.Exp(theta3 + theta4 * loss);

    public double Mu(double loss) => ClampMu(RawMu(Theta0, Theta1, Theta2, loss));

    public double Nu(double loss) => NuOf(Theta3, Theta4, loss);

    /// <summary>Expected pass@k at a given stage-1 loss.</summary>
    public double AccuracyAtLoss(double loss, double k)
    {
        double mu = Mu(loss), nu = Nu(loss);
        // The limits of the Beta family, reached far from the data when ν over- or underflows: ν → ∞ concentrates p at μ
        // (pass@k = 1 − (1 − μ)^k); ν → 0 puts p at 0 or 1 with P(1) = μ (pass@k = μ for every k ≥ 1).
        if (double.IsPositiveInfinity(nu) || double.IsPositiveInfinity(mu * nu) || double.IsPositiveInfinity((1 - mu) * nu))
            return -double.ExpM1(k * double.LogP1(-mu));
        if (mu * nu == 0 || (1 - mu) * nu == 0) return mu;
        return BetaFunctions.ExpectedPassAtK(mu * nu, (1 - mu) * nu, k);
    }

    /// <summary>Expected pass@k of a model with N parameters trained on D tokens, drawing k samples.</summary>
    public double Predict(double n, double d, double k) => AccuracyAtLoss(Loss.Predict(n, d), k);

    public override string ToString() => FormattableString.Invariant(
        $"μ = {Theta2:G6}/(1+exp({Theta1:G6}(L̂−{Theta0:G6}))), ν = exp({Theta3:G6}+{Theta4:G6}·L̂), L̂ = {Loss}");
}
