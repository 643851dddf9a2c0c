using System.CommandLine;
using Spectre.Console;
using T2.Cli.Data;
using T2.Cli.Rendering;
using T2.Testbed.Inference;
using T2.Testbed.IO;
using T2.Testbed.Training;
using T2.Testbed.World;

namespace T2.Cli.Commands;

/// <summary><c>t2 testbed finetune</c>: FT (prompt and answer tokens) or SFT (answer tokens only) of a finished checkpoint on
/// the world's training split; resumable, deterministic, the same checkpoint format.</summary>
public static class FinetuneCommand
{
    public static Command Build(CliContext ctx)
    {
        var d = new FinetuneOptions();
        var ckpt = new Option<string>("--checkpoint") { Description = "Finished base checkpoint directory.", Required = true };
        var tasks = new Option<string>("--tasks") { Description = $"Families to post-train on, comma-separated ({string.Join(",", SyntheticWorld.Families)}).", DefaultValueFactory = _ => string.Join(",", SyntheticWorld.Families) };
        var mode = new Option<string>("--mode") { Description = "ft: loss on prompt and answer tokens; sft: on the answer tokens only.", DefaultValueFactory = _ => "ft" };
        mode.AcceptOnlyFromAmong("ft", "sft");
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training split (the paper: 6).", DefaultValueFactory = _ => d.Epochs };
        var lr = new Option<double>("--lr") { Description = "Constant learning rate (2e-4: the paper's 2e-5 scaled by the testbed's 10× higher pretraining rate).", DefaultValueFactory = _ => d.LearningRate };
        var batch = new Option<int>("--batch") { Description = "Examples per step (the paper: 8).", DefaultValueFactory = _ => d.Batch };
        var n = new Option<int>("--train-questions") { Description = "Training-split questions per family (disjoint from the evaluation questions).", DefaultValueFactory = _ => d.TrainQuestions };
        var seed = new Option<int>("--seed") { Description = "Seed of the split and the shuffles.", DefaultValueFactory = _ => d.Seed };
        var every = new Option<double>("--checkpoint-seconds") { Description = "Save a resumable checkpoint this often.", DefaultValueFactory = _ => d.CheckpointSeconds };
        var output = CommonOptions.Out("Output checkpoint directory (an unfinished run there is resumed).");
        var cmd = new Command("finetune", "Post-train a checkpoint (FT or SFT) on the world's training split; resumable.") { ckpt, tasks, mode, epochs, lr, batch, n, seed, every, output };
        cmd.SetAction(p =>
        {
            var o = new FinetuneOptions
            {
                Mode = p.GetValue(mode) == "sft" ? PostTrainMode.Sft : PostTrainMode.Ft,
                Families = ParseLists.Strings(p.GetValue(tasks)!, "--tasks"),
                Epochs = p.GetValue(epochs), LearningRate = p.GetValue(lr), Batch = p.GetValue(batch), TrainQuestions = p.GetValue(n),
                Seed = p.GetValue(seed), CheckpointSeconds = p.GetValue(every),
            };
            if (o.Problem() is { } problem) throw new UsageException($"finetune: {problem}.");
            string baseDir = p.GetValue(ckpt)!, outDir = p.GetValue(output)!;
            var baseInfo = Checkpoint.LoadInfo(baseDir);
            if (!baseInfo.Finished) throw new UsageException($"{baseDir}: the base run is not finished (step {baseInfo.Step}/{baseInfo.TotalSteps}).");
            var (_, before, world) = ServeCommand.Load(baseDir);
            CheckpointInfo info = null!;
            ctx.Console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(pc =>
                {
                    var task = pc.AddTask($"{o.Mode.ToString().ToLowerInvariant()}", maxValue: 1);
                    var progress = new SyncProgress<TrainProgress>(r =>
                    {
                        task.MaxValue = r.TotalSteps; task.Value = r.Step;
                        task.Description = $"{o.Mode.ToString().ToUpperInvariant()} step {r.Step}/{r.TotalSteps} loss {r.Loss:F3}";
                    });
                    info = Finetuner.Run(baseDir, outDir, o, progress);
                    task.Value = task.MaxValue;
                });
            var (_, after, _) = Checkpoint.Load(outDir, withOptimizer: false);
            var qs = world.Questions();
            var nb = Evaluator.Likelihood(before, world.Tokenizer, qs); var na = Evaluator.Likelihood(after, world.Tokenizer, qs);
            var t = new Table().AddColumn("family").AddColumn(new TableColumn("answer NLL before").RightAligned()).AddColumn(new TableColumn("after").RightAligned());
            foreach (var fam in SyntheticWorld.Families)
                t.AddRow(fam, Format.Sig(nb.Where(r => r.Question.Family == fam).Average(r => r.Nll), 4), Format.Sig(na.Where(r => r.Question.Family == fam).Average(r => r.Nll), 4));
            ctx.Console.Write(t);
            var pt = info.PostTraining!;
            ctx.Console.MarkupLine($"{pt.TotalSteps} steps, {pt.Tokens:N0} tokens, {pt.Flops:G3} FLOPs of post-training (6·N per token; counted in no budget), " +
                $"final loss {pt.FinalLoss:F4} → {Markup.Escape(outDir)} (evaluation questions, held out of the split: above)");
            return 0;
        });
        return cmd;
    }
}
