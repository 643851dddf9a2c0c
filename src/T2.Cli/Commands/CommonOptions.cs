using System.CommandLine;
using System.CommandLine.Parsing;
using T2.Cli.Data;
using T2.Core.Fitting;

namespace T2.Cli.Commands;

/// <summary>Options shared by several verbs, declared once with their validators (a bad value is a parse error: exit 2).</summary>
public static class CommonOptions
{
    public static Option<string> Data(string description) => new("--data") { Description = description, Required = true };

    public static Option<string[]> Where() => new("--where")
    {
        Description = "Keep rows where COL=VALUE (repeatable; all must match). Also !=, >=, <=, >, <. Numeric when both sides are numbers; " +
                      "a blank or non-numeric cell never matches a numeric comparison (=, !=, >=, … against a number).",
    };

    public static Option<bool> Json(string description = "Print JSON instead of a table.") => new("--json") { Description = description };

    public static Option<int> Seed() => new("--seed") { Description = "Seed for random starts and the bootstrap.", DefaultValueFactory = _ => 0 };

    public static Option<string> Out(string description, bool required = true) => new("--out") { Description = description, Required = required };

    public static Option<string> Fit(string description = "Fit file from 't2 fit t2' (or 't2 fit loss --out').") =>
        new("--fit") { Description = description, Required = true };

    /// <summary>
    /// A comma list of numbers, parsed and range-checked at parse time by the one strict parser (a bad item is a parse
    /// error naming the option and its text: exit 2, one line). <paramref name="defaultText"/> is parsed the same way;
    /// without one, read the value with <see cref="List"/> (null when not given).
    /// </summary>
    public static Option<double[]> Numbers(string name, string description, double min, double max, string unit = "",
        bool whole = false, string? defaultText = null, bool required = false)
    {
        var o = new Option<double[]>(name) { Description = description, Required = required };
        if (defaultText is not null) o.DefaultValueFactory = _ => ParseLists.TryList(defaultText, name, min, max, whole, unit, out string? _)!;
        o.CustomParser = r =>
        {
            // System.CommandLine calls a custom parser for an option that was not given too (no tokens): its default.
            if (r.Tokens.Count == 0) return defaultText is null ? [] : ParseLists.TryList(defaultText, name, min, max, whole, unit, out string? _)!;
            if (r.Tokens.Count != 1) { r.AddError($"{name} takes one comma-separated list."); return []; }
            var v = ParseLists.TryList(r.Tokens[0].Value, name, min, max, whole, unit, out var error);
            if (v is null) { r.AddError(error!); return []; }
            return v;
        };
        return o;
    }

    /// <summary>A list option's value, null when it was not given (System.CommandLine gives an empty array then; a given
    /// list is never empty, the parser refuses that).</summary>
    public static double[]? List(ParseResult p, Option<double[]> o) => p.GetValue(o) is { Length: > 0 } v ? v : null;

    /// <summary>Training budgets in FLOPs (--c-train, --compute): each in [6e3, 1e40].</summary>
    public static Option<double[]> TrainFlops(string name, string description) =>
        Numbers(name, description, ParseLists.MinTrainFlops, T2.Core.Planning.Limits.MaxFlops, "FLOPs");

    public static Option<double> Level()
    {
        var o = new Option<double>("--level") { Description = "Interval level, strictly between 0 and 1.", DefaultValueFactory = _ => 0.95 };
        o.Validators.Add(r => { double v = r.GetValueOrDefault<double>(); if (!(v > 0 && v < 1)) r.AddError($"--level {v}: must lie strictly between 0 and 1 (e.g. 0.95)."); });
        return o;
    }

    public static Option<int> Bootstrap(string over)
    {
        var o = new Option<int>("--bootstrap") { Description = $"Bootstrap resamples over {over} (0 = none, at most 100,000).", DefaultValueFactory = _ => 0 };
        o.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v < 0 || v > 100_000) r.AddError($"--bootstrap {v}: must lie in [0, 100000]."); });
        return o;
    }

    /// <summary>--variant: one post-training variant of a fit file or evidence (base, ft, sft, …); default every one.</summary>
    public static Option<string?> Variant(string description = "Only this post-training variant (base, ft, sft, …); default: every variant the fit file has, side by side.")
    {
        var o = new Option<string?>("--variant") { Description = description };
        o.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && (v.Length == 0 || v.Length > 64 || !v.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
                r.AddError($"--variant '{v}': a name of letters, digits, '_' or '-' (base, ft, sft, …).");
        });
        return o;
    }

    public static Option<bool> Strict() => new("--strict")
    {
        Description = "Exit 3 when any health or trust finding is a warning or worse (after writing every output). Other exit codes are unchanged.",
    };

    public static Option<string?> Cv()
    {
        var o = new Option<string?>("--cv")
        {
            Description = "Cross-validation: 'sizes' refits leaving out each model size in turn; 'largest:K' refits without the K largest sizes. " +
                          "Reports the relative error on each left-out size (parallel across folds).",
        };
        o.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string?>();
            if (v is null) return;
            try { CvSpec.Parse(v); } catch (ArgumentException e) { r.AddError($"--cv: {e.Message}"); }
        });
        return o;
    }

    /// <summary>The exit code after rendering: <paramref name="code"/> unless it is 0, --strict is on and a warning was found.</summary>
    public static int Exit(int code, bool strict, IEnumerable<T2.Core.Health.Finding> findings) =>
        code == 0 && strict && T2.Core.Health.Findings.AnyAtLeast(findings, T2.Core.Health.Severity.Warn) ? 3 : code;
}
