using T2.Core.Health;

namespace T2.Core.Planning;

/// <summary>
/// What t2 accepts as a physical quantity at all. Inside these limits a value outside a fit's data is a flagged
/// extrapolation (see <see cref="PlanTrust"/>); outside them it is an input error. The limits are generous on purpose:
/// 1e30 parameters or tokens and 1e40 FLOPs are far past any model, so hitting one means a typo or a unit mix-up.
/// </summary>
public static class Limits
{
    public const double MaxCount = 1e30;   // N and D
    public const double MaxFlops = 1e40;   // C_train, C_inf, C_total
    public const double MaxK = 1e9;        // samples per query
    public const double MaxExponent = 10;  // α, β, γ of a law read from a file

    /// <summary>Checks N or D: finite, ≥ 1 and ≤ <see cref="MaxCount"/>; names the field in the message.</summary>
    public static void CheckCount(string field, double v)
    {
        if (!double.IsFinite(v) || v < 1 || v > MaxCount)
            throw new ArgumentOutOfRangeException(field, $"{field} = {Num.G(v)} must be a finite count between 1 and {MaxCount:G0}.");
    }

    public static void CheckFlops(string field, double v)
    {
        if (!double.IsFinite(v) || !(v > 0) || v > MaxFlops)
            throw new ArgumentOutOfRangeException(field, $"{field} = {Num.G(v)} must be finite, > 0 and ≤ {MaxFlops:G0} FLOPs.");
    }

    /// <summary>k: at least one sample (fewer than one sample per query is not a query), at most <see cref="MaxK"/>.</summary>
    public static void CheckK(string field, double v)
    {
        if (!double.IsFinite(v) || v < 1 || v > MaxK)
            throw new ArgumentOutOfRangeException(field, $"{field} = {Num.G(v)} must lie between 1 and {MaxK:G0} samples per query.");
    }
}
