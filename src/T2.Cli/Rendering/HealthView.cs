using Spectre.Console;
using T2.Core.Health;
using T2.Core.Planning;

namespace T2.Cli.Rendering;

/// <summary>The "health" section of every table, severity in colour, and the trust lines of plans.</summary>
public static class HealthView
{
    public static string Colour(Severity s) => s switch { Severity.Info => "blue", Severity.Warn => "yellow", _ => "red" };

    public static void Write(IAnsiConsole console, IReadOnlyList<Finding> findings, string title = "health")
    {
        if (findings.Count == 0) { console.MarkupLine($"[bold]{Markup.Escape(title)}[/]: [green]no findings[/]"); return; }
        var worst = Findings.Worst(findings);
        console.MarkupLine($"[bold]{Markup.Escape(title)}[/]: [{Colour(worst)}]{findings.Count} finding(s), worst {Findings.Name(worst)}[/]");
        foreach (var f in findings.OrderByDescending(f => f.Severity))
        {
            var where = string.Join(", ", new[] { f.Scope, f.Parameter }.Where(x => x is not null));
            console.MarkupLine($"  [{Colour(f.Severity)}]{Findings.Name(f.Severity)}[/] {Markup.Escape(f.Code)}{(where.Length > 0 ? Markup.Escape($" ({where})") : "")}: " +
                Markup.Escape(f.Message));
        }
    }

    /// <summary>"trust: …verdict…" in the colour of its severity.</summary>
    public static string Verdict(PlanTrust t) => $"[{(t.Severity == Severity.Info ? "green" : Colour(t.Severity))}]{Markup.Escape(t.Verdict)}[/]";
}
