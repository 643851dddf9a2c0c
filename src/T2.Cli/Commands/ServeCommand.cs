using System.CommandLine;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using T2.Cli.Data;
using T2.Testbed.IO;
using T2.Testbed.Model;
using T2.Testbed.Serving;
using T2.Testbed.World;

namespace T2.Cli.Commands;

/// <summary><c>t2 testbed serve | export | tasks</c>: a checkpoint behind the OpenAI completions API, as GGUF for llama.cpp,
/// and its held-out questions as a tasks file for <c>t2 eval</c>.</summary>
public static class ServeCommand
{
    public static IEnumerable<Command> Build(CliContext ctx) => [Serve(ctx), Export(ctx), Tasks(ctx)];

    /// <summary>Loads a checkpoint with the world that made it; the vocabularies must agree.</summary>
    public static (CheckpointInfo Info, Gpt<float> Model, SyntheticWorld World) Load(string dir)
    {
        var (info, model, _) = Checkpoint.Load(dir, withOptimizer: false);
        var world = new SyntheticWorld(info.WorldSeed, info.World);
        if (!world.Tokenizer.Words.SequenceEqual(info.Vocabulary)) throw new CheckpointException($"{dir}: the world's vocabulary differs from the checkpoint's.");
        return (info, model, world);
    }

    public static string DefaultName(string dir) => Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar));

    private static Command Serve(CliContext ctx)
    {
        var ckpt = new Option<string>("--checkpoint") { Description = "Checkpoint directory.", Required = true };
        var host = new Option<string>("--host") { Description = "Address to bind (loopback unless you mean otherwise: the server has no authentication).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (0 picks a free one).", DefaultValueFactory = _ => 8000 };
        var name = new Option<string?>("--model") { Description = "Model name clients send (default: the checkpoint directory's name)." };
        var workers = new Option<int>("--workers") { Description = "Requests decoded at once (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var maxN = new Option<int>("--max-n") { Description = "Largest n per request.", DefaultValueFactory = _ => 128 };
        var cmd = new Command("serve", "Serve a checkpoint over the OpenAI completions API (/v1/completions, /v1/models, /tokenize, /detokenize).") { ckpt, host, port, name, workers, maxN };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(ckpt)!;
            if (p.GetValue(port) is < 0 or > 65535) throw new UsageException("--port must lie in [0, 65535].");
            if (p.GetValue(workers) is < 1 or > 1024) throw new UsageException("--workers must lie in [1, 1024].");
            if (p.GetValue(maxN) is < 1 or > 100_000) throw new UsageException("--max-n must lie in [1, 100000].");
            if (!System.Net.IPAddress.TryParse(p.GetValue(host), out var ip) && p.GetValue(host) != "localhost") throw new UsageException($"--host '{p.GetValue(host)}' is not an IP address.");
            var (info, model, world) = Load(dir);
            if (!info.Finished) ctx.Error.WriteLine($"t2: warning: {dir} is an unfinished run (step {info.Step}/{info.TotalSteps}).");
            var engine = new CompletionEngine(model, world.Tokenizer, p.GetValue(workers));
            var options = new ServeOptions { Host = p.GetValue(host)!, Port = p.GetValue(port), ModelName = p.GetValue(name) ?? DefaultName(dir), Workers = p.GetValue(workers), MaxN = p.GetValue(maxN) };
            if (ip is not null && !System.Net.IPAddress.IsLoopback(ip)) ctx.Error.WriteLine($"t2: warning: binding {ip}: anyone who can reach this machine can use the server (it has no authentication).");
            var app = CompletionServer.Build(engine, options);
            try { app.Start(); }
            catch (IOException e) { throw new UsageException($"cannot listen on {options.Host}:{options.Port}: {FitFileIo.FirstSentence(e.Message)}."); }
            // One machine-readable line first (tests and scripts wait for it), then the human one.
            ctx.Out.WriteLine($"listening {CompletionServer.Address(app)}");
            ctx.Error.WriteLine($"t2: serving '{options.ModelName}' ({info.ParamsTotal:N0} parameters, context {info.Model.Context}, {options.Workers} workers); Ctrl+C stops.");
            ctx.Out.Flush();
            app.WaitForShutdown();
            return 0;
        });
        return cmd;
    }

    private static Command Export(CliContext ctx)
    {
        var ckpt = new Option<string>("--checkpoint") { Description = "Checkpoint directory.", Required = true };
        var gguf = new Option<string>("--gguf") { Description = "GGUF file to write (llama.cpp's format, architecture gpt2, float32).", Required = true };
        var name = new Option<string?>("--name") { Description = "general.name in the file (default: the checkpoint directory's name)." };
        var cmd = new Command("export", "Write a checkpoint as GGUF for llama.cpp (llama-server, llama-cli) with its own vocabulary.") { ckpt, gguf, name };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(ckpt)!;
            var (info, model, _) = Load(dir);
            T2.IO.AtomicFile.Prepare(p.GetValue(gguf)!);
            GgufExport.Write(p.GetValue(gguf)!, info, model, p.GetValue(name) ?? DefaultName(dir));
            ctx.Console.MarkupLine($"{info.ParamsTotal:N0} parameters, vocabulary {info.Model.VocabSize}, context {info.Model.Context} → {Markup.Escape(p.GetValue(gguf)!)} " +
                $"({new FileInfo(p.GetValue(gguf)!).Length / 1024.0:N0} KiB). Serve it with: llama-server -m {Markup.Escape(p.GetValue(gguf)!)} -c {info.Model.Context}");
            return 0;
        });
        return cmd;
    }

    private static Command Tasks(CliContext ctx)
    {
        var ckpt = new Option<string>("--checkpoint") { Description = "Checkpoint directory (its world's held-out questions).", Required = true };
        var output = CommonOptions.Out("Tasks JSONL for 't2 eval' (task = family, answer with its leading space, max_tokens = answer tokens).");
        var cmd = new Command("tasks", "Write a checkpoint's held-out questions as a tasks file for 't2 eval'.") { ckpt, output };
        cmd.SetAction(p =>
        {
            var (_, _, world) = Load(p.GetValue(ckpt)!);
            var sb = new StringBuilder();
            foreach (var q in world.Questions())
                sb.AppendLine(T2.Cli.Rendering.Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("task", q.Family); w.WriteString("id", q.Id); w.WriteString("prompt", q.Prompt);
                    w.WriteString("answer", " " + q.Answer); w.WriteString("grade", "exact");
                    w.WriteNumber("max_tokens", world.Tokenizer.Encode(q.Answer).Length);
                    w.WriteEndObject();
                }, indented: false));
            T2.IO.AtomicFile.WriteAllText(p.GetValue(output)!, sb.ToString());
            ctx.Console.MarkupLine($"{world.Questions().Count} questions ({string.Join(", ", SyntheticWorld.Families)}) → {Markup.Escape(p.GetValue(output)!)}");
            return 0;
        });
        return cmd;
    }
}
