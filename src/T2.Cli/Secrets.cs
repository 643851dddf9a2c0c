using System.CommandLine;

namespace T2.Cli;

/// <summary>
/// Keys never travel on the command line (they would land in shell history and process lists): t2 eval reads its key from
/// the variable --api-key-env names. A user who tries a key flag anyway is told so, without the value being echoed back.
/// </summary>
public static class Secrets
{
    private static readonly string[] Exact = ["key", "token", "auth", "bearer", "secret", "password", "pass", "passwd", "pw"];
    private static readonly string[] Parts = ["apikey", "secret", "password", "bearer", "credential", "accesskey", "privatekey",
        "authtoken", "accesstoken", "apitoken", "authorization"];

    /// <summary>Whether an option name (dashes, '_' and case ignored) names a secret; --tokens (a count) does not.</summary>
    public static bool IsSecretName(string name)
    {
        string n = new string(name.TrimStart('-', '/').Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        return Exact.Contains(n) || Parts.Any(p => n.Contains(p, StringComparison.Ordinal));
    }

    /// <summary>The one-line refusal for the first argument that is an unknown secret-like option, or null.</summary>
    public static string? Refusal(IReadOnlyList<string> args, Command root)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        Collect(root, known);
        foreach (var a in args)
        {
            if (a == "--") break;
            if (!a.StartsWith('-') || a.Length < 2) continue;
            string name = a.Split('=', ':')[0];
            if (known.Contains(name) || !IsSecretName(name)) continue;
            return $"{name} is not an option, and its value is not echoed: t2 never takes a key as an argument. t2 eval reads the " +
                   "API key from the environment variable that --api-key-env names (default OPENAI_API_KEY).";
        }
        return null;
    }

    /// <summary>A parse message with anything that looks like a key ("sk-…", a long random token) replaced by "…".</summary>
    public static string Redact(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"\b(sk|pk|rk|hf|ghp|gho|xox[abp])[-_][A-Za-z0-9_\-]{6,}", "…");

    private static void Collect(Command c, HashSet<string> known)
    {
        foreach (var o in c.Options) { known.Add(o.Name); foreach (var al in o.Aliases) known.Add(al); }
        foreach (var s in c.Subcommands) Collect(s, known);
    }
}
