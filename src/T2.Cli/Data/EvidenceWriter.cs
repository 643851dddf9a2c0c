using System.Globalization;
using System.Text;
using T2.Testbed.Inference;
using T2.Testbed.IO;

namespace T2.Cli.Data;

/// <summary>
/// Writes testbed evidence in the table 't2 passk' and 't2 fit t2' read: checkpoint, N_params, N_params_non_embedding,
/// D_tokens, task, question, then nll or num_samples,num_correct. Rows of other checkpoints already in the file are kept
/// (a ladder accumulates into one file); the file is rewritten atomically.
/// </summary>
public static class EvidenceWriter
{
    public static void Write(string path, string checkpoint, CheckpointInfo info, QuestionResult[] results, bool likelihood)
    {
        string header = likelihood ? "checkpoint,N_params,N_params_non_embedding,D_tokens,task,question,nll"
                                   : "checkpoint,N_params,N_params_non_embedding,D_tokens,task,question,num_samples,num_correct";
        var sb = new StringBuilder(header + "\n");
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length > 0 && lines[0] != header)
                throw new InputException(path, 1, null, $"this evidence file has header '{lines[0]}'; {(likelihood ? "likelihood" : "sample")} evidence needs '{header}'. Use another --out.");
            foreach (var l in lines.Skip(1)) if (l.Length > 0 && !l.StartsWith(checkpoint + ",", StringComparison.Ordinal)) sb.AppendLine(l);
        }
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        foreach (var r in results)
        {
            sb.Append(checkpoint).Append(',').Append(info.ParamsTotal).Append(',').Append(info.ParamsNonEmbedding).Append(',').Append(info.TokensSeen)
              .Append(',').Append(r.Question.Family).Append(',').Append(r.Question.Id).Append(',');
            sb.AppendLine(likelihood ? F(r.Nll) : $"{r.Samples},{r.Correct}");
        }
        T2.IO.AtomicFile.WriteAllText(path, sb.ToString());
    }
}
