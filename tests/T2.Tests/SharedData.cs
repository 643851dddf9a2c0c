using System.Globalization;

namespace T2.Tests;

/// <summary>Locates ../shared/data (beside the repository, as CI places it) and reads simple CSV columns.</summary>
public static class SharedData
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && dir.GetDirectories(".git").Length == 0) return candidate;
            var sibling = Path.Combine(dir.FullName, "..", "shared", "data");
            if (File.Exists(Path.Combine(dir.FullName, "t2.sln")) && Directory.Exists(sibling)) return Path.GetFullPath(sibling);
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException("../shared/data not found beside the repository (CI places shared/ next to the clone).");
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
