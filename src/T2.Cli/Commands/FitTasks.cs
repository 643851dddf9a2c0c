using T2.Cli.Data;
using T2.Core.Planning;

namespace T2.Cli.Commands;

/// <summary>Selecting tasks of a T² fit file by name, the macro average included (shared by plan, predict and frontier).</summary>
public static class FitTasks
{
    /// <summary>
    /// The tasks asked for, as the planner sees them: every task and then "macro" (the mean of the tasks' predictions) when
    /// the file has two or more; <paramref name="task"/> picks one of them, "macro" included.
    /// </summary>
    public static List<FittedTask> Select(FitFile.Doc doc, string? task, string path, bool stopOnSuccess = false, bool adaptiveK = false,
        Func<FittedTask, FittedTask>? transform = null)
    {
        var all = doc.Tasks.Select(FitFile.Fitted).ToList();
        if (stopOnSuccess || adaptiveK)
        {
            // Before the macro is formed, so that the macro averages the tasks' own accuracies under the sampling policy.
            Func<FittedTask, FittedTask> policy = stopOnSuccess ? StopOnSuccess.Apply : AdaptiveK.Apply;
            all = all.Select(policy).ToList();
            if (all.All(t => t.Approaches.Count == 0))
                throw new InputException(path, 0, "approach2", $"{(stopOnSuccess ? "--stop-on-success" : "--adaptive-k")} plans with Approach 2's per-question Beta; this fit file has no Approach 2.");
            all = all.Where(t => t.Approaches.Count > 0).ToList();
        }
        // After the policy (the data wall revalues the policy's metric at its loss), before the macro (it averages the tasks' own).
        if (transform is not null) all = all.Select(transform).ToList();
        if (MacroTask.Of(all) is { } macro && !all.Any(t => t.Task == MacroTask.Name)) all.Add(macro);
        if (task is null) return all;
        var t = all.Where(x => x.Task == task).ToList();
        if (t.Count == 0) throw new InputException(path, 0, "task", $"no task '{task}' in the fit file (tasks: {string.Join(", ", all.Select(x => x.Task))}).");
        return t;
    }
}
