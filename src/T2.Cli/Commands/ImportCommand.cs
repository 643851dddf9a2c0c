using System.CommandLine;
using Spectre.Console;
using T2.Cli.Data;

namespace T2.Cli.Commands;

/// <summary><c>t2 import lm-eval | human-eval | monkeys FILE… --checkpoint NAME --params N --tokens D --out evidence.csv</c>.</summary>
public static class ImportCommand
{
    public static Command Build(CliContext ctx)
    {
        var cmd = new Command("import", "Import evaluation logs (lm-evaluation-harness, human-eval, Large Language Monkeys) into the evidence table.");
        cmd.Subcommands.Add(Sub(ctx, "lm-eval", "lm-evaluation-harness --log_samples files (samples_TASK_DATE.jsonl): gold-continuation NLL, or re-graded repeats → counts.", true));
        cmd.Subcommands.Add(Sub(ctx, "human-eval", "human-eval *_results.jsonl (task_id, completion, result, passed) → counts per problem.", false));
        cmd.Subcommands.Add(Sub(ctx, "monkeys", "Large Language Monkeys per-problem YAML/JSON (samples, is_corrects) or its JSON(L) release → counts.", false));
        return cmd;
    }

    private static Command Sub(CliContext ctx, string name, string description, bool grading)
    {
        var files = new Argument<string[]>("FILE") { Description = "Log files.", Arity = ArgumentArity.OneOrMore };
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint name in the evidence.", Required = true };
        var n = new Option<double?>("--params") { Description = "N, the model's parameters (never guessed)." };
        var d = new Option<double?>("--tokens") { Description = "D, its training tokens (never guessed)." };
        var registry = new Option<string?>("--registry") { Description = "Registry CSV (name, params, tokens[, endpoint, model]): N and D of --checkpoint from its row." };
        var task = new Option<string?>("--task") { Description = "Task name (default: from the file name for lm-eval; humaneval; monkeys)." };
        var grade = new Option<string>("--grade") { Description = "lm-eval generations: exact (normalised), numeric (last number) or regex:PATTERN.", DefaultValueFactory = _ => "exact" };
        var output = CommonOptions.Out("Evidence CSV (rows of other checkpoints kept, this one's replaced; written atomically).");
        var cmd = new Command(name, description) { files, checkpoint, n, d, registry, task, output };
        if (grading) cmd.Options.Add(grade);
        cmd.SetAction(p =>
        {
            string ck = p.GetValue(checkpoint)!;
            if (ck.Length == 0) throw new UsageException("--checkpoint must not be empty.");
            if (p.GetValue(task) is { } tn && (tn.Trim().Length == 0 || tn.Any(char.IsControl)))
                throw new UsageException("--task must be a non-empty name without control characters.");
            double nn, dd;
            if (p.GetValue(registry) is { } reg)
            {
                if (p.GetValue(n) is not null || p.GetValue(d) is not null) throw new UsageException("give N and D either by --registry or by --params/--tokens, not both.");
                var row = Registry.Read(reg).FirstOrDefault(r => r.Name == ck)
                    ?? throw new InputException(reg, 0, "name", $"no row for checkpoint '{ck}'.");
                (nn, dd) = (row.Params, row.Tokens);
            }
            else
            {
                if (p.GetValue(n) is null || p.GetValue(d) is null) throw new UsageException("--params and --tokens are required (or --registry): N and D are never guessed.");
                (nn, dd) = (p.GetValue(n)!.Value, p.GetValue(d)!.Value);
                if (!(nn >= 1) || nn > T2.Core.Planning.Limits.MaxCount) throw new UsageException("--params must lie in [1, 1e30].");
                if (!(dd >= 1) || dd > T2.Core.Planning.Limits.MaxCount) throw new UsageException("--tokens must lie in [1, 1e30].");
            }
            var grader = Grader.Parse(grading ? p.GetValue(grade)! : "exact");
            T2.IO.AtomicFile.Prepare(p.GetValue(output)!);
            var notes = new List<string>();
            var qs = new List<ImportedQuestion>();
            foreach (var f in p.GetValue(files)!)
                qs.AddRange(name switch
                {
                    "lm-eval" => Importers.LmEval(f, p.GetValue(task), grader, notes),
                    "human-eval" => Importers.HumanEval(f, p.GetValue(task)),
                    _ => Importers.Monkeys(f, p.GetValue(task)),
                });
            if (qs.Count == 0) throw new UsageException("the files hold no records.");
            int rows = Importers.Write(p.GetValue(output)!, ck, nn, dd, qs);
            foreach (var note in notes) ctx.Error.WriteLine($"t2: note: {note}");
            var kind = qs[0].Nll is null ? $"counts (samples per question {qs.Min(q => q.Samples)}–{qs.Max(q => q.Samples)})" : "gold-answer NLL";
            ctx.Console.MarkupLine($"{rows} questions ({string.Join(", ", qs.Select(q => q.Task).Distinct().Select(Markup.Escape))}; {kind}) for checkpoint {Markup.Escape(ck)} → {Markup.Escape(p.GetValue(output)!)}");
            return 0;
        });
        return cmd;
    }
}
