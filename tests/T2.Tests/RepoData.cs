using System.Globalization;

namespace T2.Tests;

/// <summary>Locates the repository's data/ folder (the public data sets, issue 13) and reads simple CSV columns.</summary>
public static class RepoData
{
    /// <summary>The repository root: the nearest folder above the test binary holding t2.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    // After RepoRoot: static initialisers run in declaration order.
    public static string Root { get; } = Find();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "t2.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("t2.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Find()
    {
        var data = Path.Combine(RepoRoot, "data");
        if (!Directory.Exists(data)) throw new DirectoryNotFoundException($"{data} not found (the repository's data sets).");
        return data;
    }

    public static string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>Rows of a simple CSV (no quoted commas) as dictionaries.</summary>
    public static List<Dictionary<string, string>> Rows(string relative)
    {
        var lines = File.ReadAllLines(PathOf(relative));
        var header = lines[0].Split(',');
        return lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var f = l.Split(',');
            return header.Select((h, i) => (h, v: i < f.Length ? f[i] : "")).ToDictionary(p => p.h, p => p.v);
        }).ToList();
    }

    public static double D(this Dictionary<string, string> row, string col) => double.Parse(row[col], CultureInfo.InvariantCulture);

    /// <summary>The 240 points of Chinchilla's Figure 4 that Epoch fits.</summary>
    public static (double[] N, double[] D, double[] L) EpochPoints()
    {
        var rows = Rows("epoch_chinchilla/chinchilla_fig4_points.csv").Where(r => r["used_in_epoch_fit"] == "1").ToList();
        return (rows.Select(r => r.D("N_params")).ToArray(), rows.Select(r => r.D("D_tokens")).ToArray(), rows.Select(r => r.D("loss")).ToArray());
    }
}
