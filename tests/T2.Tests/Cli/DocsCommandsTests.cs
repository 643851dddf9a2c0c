using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Spectre.Console.Testing;
using T2.Cli;

namespace T2.Tests.Cli;

/// <summary>
/// README and docs/ promise commands a reader will paste: every `t2 …` line they show must name a verb that exists
/// and use only flags that verb accepts (checked against the CLI's own command tree), every relative link must reach
/// a file and heading, and README's headline figures must be the ones docs/paper-experiment.md records (issue 21.3).
/// </summary>
public partial class DocsCommandsTests
{
    private static RootCommand Root() =>
        Program.BuildRoot(new CliContext(new TestConsole(), TextWriter.Null, TextWriter.Null));

    private static IEnumerable<string> DocFiles()
    {
        yield return Path.Combine(RepoData.RepoRoot, "README.md");
        var docs = Directory.GetFiles(Path.Combine(RepoData.RepoRoot, "docs"), "*.md");
        foreach (var f in docs.Order(StringComparer.Ordinal)) yield return f;
    }

    private static string Rel(string path) => Path.GetRelativePath(RepoData.RepoRoot, path);

    [Fact]
    public void EveryDocumentedCommand_NamesAVerbThatExists_AndOnlyFlagsItAccepts()
    {
        var root = Root();
        var problems = new List<string>();
        int commands = 0;
        foreach (var file in DocFiles())
            foreach (var (line, text) in DocCommands.Extract(File.ReadAllText(file)))
            {
                commands++;
                foreach (var p in DocCommands.Check(root, text))
                    problems.Add($"{Rel(file)}:{line}: {p} in `t2 {text}`");
            }
        Assert.True(commands >= 50, $"only {commands} commands found: the extractor has lost track of the docs");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Check_FindsAFlagTheVerbDoesNotHave_AndAVerbThatDoesNotExist()
    {
        var root = Root();
        Assert.Empty(DocCommands.Check(root, "plan --fit FIT --c-train 1e21 --c-inf 1.4e11 [--integer-k] [--json]"));
        Assert.Contains(DocCommands.Check(root, "plan --fit FIT --c-trian 1e21"), p => p.Contains("--c-trian"));
        Assert.Contains(DocCommands.Check(root, "fit t3 --data FILE"), p => p.Contains("t3"));
        Assert.Contains(DocCommands.Check(root, "testbed gen/train --out DIR"), p => p.Contains("gen/train"));
        // A flag of another verb is not accepted here: --k-grid belongs to fit t2, not to plan.
        Assert.Contains(DocCommands.Check(root, "plan --fit FIT --k-grid 1,2"), p => p.Contains("--k-grid"));
        // --help is accepted everywhere (a recursive option of the root).
        Assert.Empty(DocCommands.Check(root, "testbed ladder --help"));
    }

    [Fact]
    public void Extract_FollowsTheWaysDocsWriteACommand()
    {
        const string md = """
            Prose with `t2 passk --data FILE --k 1,10` inline, `fit t2 --plots DIR` bare, `plan` alone, `t2-demo/x`.
            Wrapped inline code: `t2 fit t2 --data $G --n-col N
            --out f.json`, then `t2 plan --fit f.json --c-train 1e21; t2 predict --fit f.json --n 1e9`.

            ```bash
            dotnet run -c Release --project src/T2.Cli -- demo --spec quick   # comment
            dotnet src/T2.Cli/bin/Release/net10.0/t2.dll frontier --fit f.json \
                --points 20
            t2 fit loss --data FILE [--where COL=VALUE ...]
                        [--json]
            bash tools/publish-native.sh
            ```
            """;
        var got = DocCommands.Extract(md).Select(c => c.Text).ToList();
        Assert.Equal(new[]
        {
            "passk --data FILE --k 1,10", "fit t2 --plots DIR", "fit t2 --data $G --n-col N --out f.json",
            "plan --fit f.json --c-train 1e21",
            "predict --fit f.json --n 1e9", "demo --spec quick", "frontier --fit f.json --points 20",
            "fit loss --data FILE [--where COL=VALUE ...] [--json]",
        }, got);
        Assert.Equal(1, DocCommands.Extract(md).First().Line);
        Assert.Equal(3, DocCommands.Extract(md).Single(c => c.Text.StartsWith("plan", StringComparison.Ordinal)).Line);
        Assert.Equal(6, DocCommands.Extract(md).Single(c => c.Text.StartsWith("demo", StringComparison.Ordinal)).Line);
    }

    // Pages written elsewhere and linked before they exist (none now: every linked page is in the repository).
    private static readonly HashSet<string> PendingPages = new(StringComparer.Ordinal);

    [Fact]
    public void EveryRelativeLink_PointsAtAFileThatExists_AndAHeadingThatExists()
    {
        var problems = new List<string>();
        int links = 0;
        foreach (var file in DocFiles())
            foreach (var (line, target) in DocLinks.Extract(File.ReadAllText(file)))
            {
                links++;
                string pathPart = target.Split('#')[0];
                string? anchor = target.Contains('#') ? target[(target.IndexOf('#') + 1)..] : null;
                string full = pathPart.Length == 0
                    ? file
                    : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, pathPart));
                string rel = Rel(full).Replace('\\', '/');
                if (PendingPages.Contains(rel)) continue;
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    problems.Add($"{Rel(file)}:{line}: {target}: no such file");
                    continue;
                }
                if (anchor is not null && full.EndsWith(".md", StringComparison.Ordinal)
                    && !DocLinks.Anchors(File.ReadAllText(full)).Contains(anchor))
                    problems.Add($"{Rel(file)}:{line}: {target}: no heading with that anchor");
            }
        Assert.True(links >= 30, $"only {links} links found");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void LinkCheck_FindsAMissingFile_AndAMissingAnchor()
    {
        const string md = "See [a](docs/nope.md) and [b](https://example.org) and\n[c](#here).\n```\n[d](x.md)\n```";
        var links = DocLinks.Extract(md).ToList();
        Assert.Equal(new[] { (1, "docs/nope.md"), (2, "#here") }, links);
        var anchors = DocLinks.Anchors("# Title\n## `t2 bench fit` — speed\n## Can I trust this fit? Health, trust\n");
        Assert.Contains("t2-bench-fit--speed", anchors);
        Assert.Contains("can-i-trust-this-fit-health-trust", anchors);
        Assert.DoesNotContain("speed", anchors);
    }

    [Fact]
    public void ReadmeHeadlineFigures_AreTheOnesTheExperimentPageRecords()
    {
        string readme = File.ReadAllText(Path.Combine(RepoData.RepoRoot, "README.md"));
        string page = Normalise(File.ReadAllText(Path.Combine(RepoData.RepoRoot, "docs", "paper-experiment.md")));
        int a = readme.IndexOf("<!-- headline-results", StringComparison.Ordinal);
        int b = readme.IndexOf("<!-- /headline-results -->", StringComparison.Ordinal);
        Assert.True(a >= 0 && b > a, "README has no headline-results block");
        var figures = FigureRegex().Matches(readme[a..b]).Select(m => Normalise(m.Value)).Distinct().ToList();
        Assert.True(figures.Count >= 10, $"only {figures.Count} figures in README's headline table");
        var missing = figures.Where(f => !page.Contains(f, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0,
            "README's headline figures not in docs/paper-experiment.md: " + string.Join(", ", missing));
    }

    private static string Normalise(string s) => s.Replace("**", "", StringComparison.Ordinal).Replace('\u00a0', ' ');

    [GeneratedRegex(@"\d+(?:\.\d+)?\s?(?:%|×|minutes)")]
    private static partial Regex FigureRegex();
}

/// <summary>Finds the t2 command lines in Markdown and checks them against the command tree.</summary>
public static partial class DocCommands
{
    /// <summary>
    /// Every t2 command in the text, as (1-based line, arguments after the program): code blocks (comments dropped,
    /// lines joined at a trailing backslash or when the next line continues with an indented [ or --) and inline code
    /// (a span may wrap across lines; "a; b" and "a &amp;&amp; b" are two commands).
    /// </summary>
    public static List<(int Line, string Text)> Extract(string markdown)
    {
        var found = new List<(int, string)>();
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        bool inCode = false;
        var para = new StringBuilder();
        var starts = new List<(int Offset, int Line)>(); // where each of the paragraph's lines begins in para
        void FlushParagraph()
        {
            if (para.Length == 0) return;
            foreach (Match m in InlineCode().Matches(para.ToString()))
            {
                int line = starts.Last(s => s.Offset <= m.Index).Line;
                foreach (var cmd in Commands(m.Groups[1].Value, inline: true)) found.Add((line, cmd));
            }
            para.Clear();
            starts.Clear();
        }
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                FlushParagraph();
                inCode = !inCode;
                continue;
            }
            if (inCode)
            {
                int start = i;
                string logical = StripComment(line);
                while (i + 1 < lines.Length && !lines[i + 1].TrimStart().StartsWith("```", StringComparison.Ordinal)
                    && (logical.TrimEnd().EndsWith('\\') || ContinuesSynopsis(lines[i + 1])))
                {
                    logical = logical.TrimEnd().TrimEnd('\\').TrimEnd() + " " + StripComment(lines[++i]).Trim();
                }
                foreach (var cmd in Commands(logical, inline: false)) found.Add((start + 1, cmd));
                continue;
            }
            if (line.Trim().Length == 0) { FlushParagraph(); continue; }
            if (para.Length > 0) para.Append(' ');
            starts.Add((para.Length, i + 1));
            para.Append(line.Trim());
        }
        FlushParagraph();
        return found;
    }

    // A synopsis goes on in an indented line that starts with an optional flag or a flag.
    private static bool ContinuesSynopsis(string next) =>
        next.Length > 0 && char.IsWhiteSpace(next[0])
        && (next.TrimStart().StartsWith('[') || next.TrimStart().StartsWith("--", StringComparison.Ordinal));

    private static string StripComment(string line)
    {
        var m = ShellComment().Match(line);
        return m.Success ? line[..m.Index] : line;
    }

    // Prose also names a verb without the program ("`plan --fit FIT --hardware FILE`"): inline code that starts with a
    // verb and uses a flag is checked as well.
    private static IEnumerable<string> Commands(string code, bool inline)
    {
        foreach (var piece in code.Split(new[] { "; ", " && " }, StringSplitOptions.None))
        {
            var m = ProgramPrefix().Match(piece);
            if (m.Success)
            {
                string args = m.Groups["args"].Value.Trim();
                if (args.Length > 0) yield return args;
            }
            else if (inline && BareVerb().IsMatch(piece)) yield return piece.Trim();
        }
    }

    /// <summary>What is wrong with one command line (its arguments after the program): unknown verbs, flags.</summary>
    public static List<string> Check(RootCommand root, string args)
    {
        var problems = new List<string>();
        var tokens = Tokens(args);
        Command cmd = root;
        int i = 0;
        for (; i < tokens.Count && !tokens[i].StartsWith('-'); i++)
        {
            var sub = cmd.Subcommands.FirstOrDefault(s => s.Name == tokens[i] || s.Aliases.Contains(tokens[i]));
            if (sub is null) break;
            cmd = sub;
        }
        // A command that has verbs below it and no action of its own needs one of them next.
        if (cmd.Subcommands.Count > 0 && cmd.Action is null && i < tokens.Count && !tokens[i].StartsWith('-'))
        {
            string verbs = string.Join(", ", cmd.Subcommands.Select(s => s.Name));
            problems.Add($"'{tokens[i]}' is not a verb of '{VerbPath(cmd)}' (it has: {verbs})");
        }
        var accepted = Accepted(cmd);
        var flags = new List<string>();
        foreach (var token in tokens.Skip(i))
            foreach (var part in token.Split('|'))
            {
                string flag = part.Trim('[', ']', '(', ')', '{', '}', ',', '.', '…');
                if (!FlagToken().IsMatch(flag)) continue;
                flag = flag.Split('=')[0];
                flags.Add(flag);
                if (!accepted.Contains(flag)) problems.Add($"'{VerbPath(cmd)}' has no option {flag}");
            }
        if (problems.Count == 0) problems.AddRange(ParseCheck(root, cmd, tokens.Take(i).Concat(flags).ToArray()));
        return problems;
    }

    // The same verdict from System.CommandLine itself: the verb path and the flags (values left out, so placeholders
    // such as FILE never reach a converter) must leave no token unmatched and resolve to the same command. Errors about
    // missing values are expected here and ignored.
    private static List<string> ParseCheck(RootCommand root, Command expected, string[] args)
    {
        var problems = new List<string>();
        ParseResult parse;
        try { parse = root.Parse(args); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            return problems; // a validator read an absent value; the walk above has decided
        }
        foreach (var t in parse.UnmatchedTokens) problems.Add($"System.CommandLine does not recognise '{t}'");
        if (!ReferenceEquals(parse.CommandResult.Command, expected))
            problems.Add($"System.CommandLine resolves '{parse.CommandResult.Command.Name}', not '{expected.Name}'");
        return problems;
    }

    private static HashSet<string> Accepted(Command cmd)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (Command? c = cmd; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            foreach (var o in c.Options)
                if (ReferenceEquals(c, cmd) || o.Recursive)
                {
                    names.Add(o.Name);
                    foreach (var a in o.Aliases) names.Add(a);
                }
        return names;
    }

    private static string VerbPath(Command cmd)
    {
        var parts = new List<string>();
        for (Command? c = cmd; c is not null && c is not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
            parts.Insert(0, c.Name);
        return "t2 " + string.Join(' ', parts);
    }

    /// <summary>Shell-like words: spaces separate, single and double quotes group.</summary>
    private static List<string> Tokens(string s)
    {
        var list = new List<string>();
        var cur = new StringBuilder();
        char quote = '\0';
        bool any = false;
        foreach (char c in s)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; else cur.Append(c); continue; }
            if (c is '"' or '\'') { quote = c; any = true; continue; }
            if (char.IsWhiteSpace(c))
            {
                if (any || cur.Length > 0) list.Add(cur.ToString());
                cur.Clear();
                any = false;
                continue;
            }
            cur.Append(c);
        }
        if (any || cur.Length > 0) list.Add(cur.ToString());
        return list;
    }

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"(?:^|\s)#(?:\s|$)")]
    private static partial Regex ShellComment();

    // t2 itself, `dotnet run … --project src/T2.Cli --`, or the built dll; at the start of the code or after "time".
    [GeneratedRegex(@"^\s*(?:time\s+)?"
        + @"(?:t2|dotnet\s+run\s+(?:-c\s+\S+\s+)?--project\s+src/T2\.Cli\s+--|dotnet\s+\S*/t2\.dll|\S*out/native/t2)"
        + @"(?=\s|$)(?<args>.*)$")]
    private static partial Regex ProgramPrefix();

    [GeneratedRegex(@"^(?:fit|passk|plan|predict|frontier|bench|testbed|validate|report|demo|import|eval)\s(?:.*\s)?--[a-z]")]
    private static partial Regex BareVerb();

    [GeneratedRegex(@"^--?[A-Za-z][A-Za-z0-9-]*(=.*)?$")]
    private static partial Regex FlagToken();
}

/// <summary>Relative Markdown links outside code blocks, and the anchors GitHub gives a page's headings.</summary>
public static partial class DocLinks
{
    public static IEnumerable<(int Line, string Target)> Extract(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        bool inCode = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)) { inCode = !inCode; continue; }
            if (inCode) continue;
            string withoutCode = InlineCode().Replace(lines[i], "code");
            foreach (Match m in Link().Matches(withoutCode))
            {
                string target = m.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal)
                    || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
                yield return (i + 1, target);
            }
        }
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats -1, -2.</summary>
    public static HashSet<string> Anchors(string markdown)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        bool inCode = false;
        foreach (var line in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { inCode = !inCode; continue; }
            if (inCode) continue;
            var m = Heading().Match(line);
            if (!m.Success) continue;
            var sb = new StringBuilder();
            foreach (char c in m.Groups[1].Value.Trim().ToLowerInvariant())
                if (char.IsLetterOrDigit(c) || c is '-' or '_') sb.Append(c);
                else if (c == ' ') sb.Append('-');
            string slug = sb.ToString();
            if (seen.TryGetValue(slug, out int n))
            {
                seen[slug] = n + 1;
                slug += "-" + n.ToString(CultureInfo.InvariantCulture);
            }
            else seen[slug] = 1;
            set.Add(slug);
        }
        return set;
    }

    // Inline code is blanked first so that link-like text inside it is not read as a link; the link text itself may
    // hold inline code (replaced by a word) but no nested brackets.
    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\[[^\]]*\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(.*?)\s*#*\s*$")]
    private static partial Regex Heading();
}
