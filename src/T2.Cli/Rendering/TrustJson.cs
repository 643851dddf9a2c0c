using System.Text.Json;
using T2.Core.Health;
using T2.Core.Planning;

namespace T2.Cli.Rendering;

/// <summary>JSON of findings and of plan trust, the shape documented in docs/trust-and-health.md.</summary>
public static class TrustJson
{
    public static void Findings(Utf8JsonWriter w, string name, IEnumerable<Finding> findings)
    {
        w.WriteStartArray(name);
        foreach (var f in findings)
        {
            w.WriteStartObject();
            w.WriteString("code", f.Code); w.WriteString("severity", T2.Core.Health.Findings.Name(f.Severity)); w.WriteString("message", f.Message);
            if (f.Parameter is not null) w.WriteString("parameter", f.Parameter);
            if (f.Value is { } v) w.Number("value", v);
            if (f.Scope is not null) w.WriteString("scope", f.Scope);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void Trust(Utf8JsonWriter w, PlanTrust t)
    {
        w.WriteStartObject("trust");
        w.WriteStartObject("extrapolation");
        w.Number("N", t.Extrapolation.N); w.Number("D", t.Extrapolation.D); w.Number("tokens_per_param", t.Extrapolation.TokensPerParameter);
        w.Number("k", t.Extrapolation.K);
        w.WriteEndObject();
        w.WriteBoolean("k_below_one", t.KBelowOne);
        if (t.InferenceBudgetFactor is { } f) w.Number("inference_budget_factor", f); else w.WriteNull("inference_budget_factor");
        if (t.TotalBudgetFactor is { } tf) w.Number("total_budget_factor", tf); else w.WriteNull("total_budget_factor");
        w.WriteBoolean("at_search_edge", t.AtSearchEdge);
        if (t.FlatNWithin1Pct is { } flat) { w.WriteStartArray("flat_n_within_1pct"); w.Number(flat[0]); w.Number(flat[1]); w.WriteEndArray(); }
        else w.WriteNull("flat_n_within_1pct");
        if (t.ValleySpread is { } s) w.Number("valley_spread", s); else w.WriteNull("valley_spread");
        // How far releasing an at-bound parameter's bound moves this forecast (null: the fit file did not record it).
        if (t.Released is { } r)
        {
            w.WriteStartObject("bound_release");
            if (r.Parameter is { } p) w.WriteString("parameter", p); else w.WriteNull("parameter");
            w.Number("shift", r.Shift);
            w.WriteEndObject();
        }
        else w.WriteNull("bound_release");
        Findings(w, "health", t.Health);
        w.WriteString("severity", T2.Core.Health.Findings.Name(t.Severity));
        w.WriteString("verdict", t.Verdict);
        w.WriteEndObject();
    }
}
