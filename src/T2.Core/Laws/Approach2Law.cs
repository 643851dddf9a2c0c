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
    // μ is kept inside (0, 1) by this margin so that a and b stay > 0 in double precision.
    private const double MuMargin = 1e-12;

    public double Mu(double loss) => Math.Clamp(Theta2 / (1 + Math.Exp(Theta1 * (loss - Theta0))), MuMargin, 1 - MuMargin);

    public double Nu(double loss) => Math.Exp(Theta3 + Theta4 * loss);

    /// <summary>Expected pass@k at a given stage-1 loss.</summary>
    public double AccuracyAtLoss(double loss, double k)
    {
        double mu = Mu(loss), nu = Nu(loss);
        return BetaFunctions.ExpectedPassAtK(mu * nu, (1 - mu) * nu, k);
    }

    /// <summary>Expected pass@k of a model with N parameters trained on D tokens, drawing k samples.</summary>
    public double Predict(double n, double d, double k) => AccuracyAtLoss(Loss.Predict(n, d), k);

    public override string ToString() => FormattableString.Invariant(
        $"μ = {Theta2:G6}/(1+exp({Theta1:G6}(L̂−{Theta0:G6}))), ν = exp({Theta3:G6}+{Theta4:G6}·L̂), L̂ = {Loss}");
}
