using T2.Cli.Data;

namespace T2.Cli.Commands;

/// <summary>Selecting tasks of a T² fit file by name (shared by plan, predict and frontier).</summary>
public static class FitTasks
{
    public static IEnumerable<FitFile.TaskDoc> Select(FitFile.Doc doc, string? task, string path)
    {
        if (task is null) return doc.Tasks;
        var t = doc.Tasks.Where(x => x.Task == task).ToList();
        if (t.Count == 0) throw new InputException(path, 0, "task", $"no task '{task}' in the fit file (tasks: {string.Join(", ", doc.Tasks.Select(x => x.Task))}).");
        return t;
    }
}
