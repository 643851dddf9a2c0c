using T2.Testbed.Model;
using T2.Testbed.World;

namespace T2.Testbed.Inference;

/// <summary>Per-question result: the answer's NLL (likelihood mode) or n samples with c correct (sampling mode).</summary>
public sealed record QuestionResult(Question Question, double Nll, int Samples, int Correct);

/// <summary>
/// Scores a model on the held-out questions. Likelihood: NLL of the gold answer tokens given the prompt (what the paper
/// measures; exact pass@k via p = e^−nll). Sampling: n samples of exactly len(answer) tokens at a temperature, correct iff
/// they equal the answer, the prompt prefilled once per question and its cache shared by all n samples.
/// Parallel over questions; every sample draws from its own seeded generator, so results do not depend on threads.
/// </summary>
public static class Evaluator
{
    public static QuestionResult[] Likelihood(Gpt<float> model, Tokenizer tok, IReadOnlyList<Question> qs)
    {
        var results = new QuestionResult[qs.Count];
        Parallel.For(0, qs.Count, () => new KvDecoder(model), (i, _, dec) =>
        {
            var (prompt, answer) = Encode(tok, qs[i], model.Config);
            var promptCache = dec.NewCache(prompt.Length); var own = dec.NewCache(answer.Length);
            var logits = new float[model.Config.VocabSize];
            dec.Prefill(prompt, promptCache, logits);
            double nll = 0;
            for (int j = 0; j < answer.Length; j++)
            {
                nll -= LogSoftmax(logits, answer[j]);
                if (j + 1 < answer.Length) dec.Step(answer[j], prompt.Length + j, promptCache, own, logits);
            }
            results[i] = new QuestionResult(qs[i], nll, 0, 0);
            return dec;
        }, _ => { });
        return results;
    }

    /// <summary>Temperature 0 means greedy (argmax) decoding.</summary>
    public static QuestionResult[] Sample(Gpt<float> model, Tokenizer tok, IReadOnlyList<Question> qs, int n, double temperature, int seed)
    {
        if (n < 1) throw new ArgumentException("n must be ≥ 1.");
        if (temperature < 0) throw new ArgumentException("temperature must be ≥ 0.");
        var results = new QuestionResult[qs.Count];
        Parallel.For(0, qs.Count, () => new KvDecoder(model), (i, _, dec) =>
        {
            var (prompt, answer) = Encode(tok, qs[i], model.Config);
            var promptCache = dec.NewCache(prompt.Length);
            var promptLogits = new float[model.Config.VocabSize]; var logits = new float[model.Config.VocabSize];
            dec.Prefill(prompt, promptCache, promptLogits);               // once per question
            var own = dec.NewCache(answer.Length);
            int correct = 0;
            for (int s = 0; s < n; s++)
            {
                var rng = new Random(SyntheticWorld.Mix(seed, i, s));
                own.Length = 0;
                promptLogits.CopyTo(logits, 0);
                bool ok = true;
                for (int j = 0; j < answer.Length; j++)
                {
                    int t = Draw(logits, temperature, rng);
                    if (t != answer[j]) { ok = false; break; }              // later tokens cannot make it correct
                    if (j + 1 < answer.Length) dec.Step(t, prompt.Length + j, promptCache, own, logits);
                }
                if (ok) correct++;
            }
            results[i] = new QuestionResult(qs[i], double.NaN, n, correct);
            return dec;
        }, _ => { });
        return results;
    }

    public static (int[] Prompt, int[] Answer) Encode(Tokenizer tok, Question q, ModelConfig c)
    {
        var prompt = tok.Encode(q.Prompt); var answer = tok.Encode(q.Answer);
        if (prompt.Length == 0 || answer.Length == 0) throw new ArgumentException($"question {q.Id}: empty prompt or answer.");
        if (prompt.Length + answer.Length > c.Context) throw new ArgumentException($"question {q.Id}: {prompt.Length + answer.Length} tokens exceed the context {c.Context}.");
        return (prompt, answer);
    }

    public static double LogSoftmax(ReadOnlySpan<float> logits, int index)
    {
        float max = float.NegativeInfinity; foreach (var l in logits) if (l > max) max = l;
        double sum = 0; foreach (var l in logits) sum += Math.Exp(l - max);
        return logits[index] - max - Math.Log(sum);
    }

    public static int Draw(ReadOnlySpan<float> logits, double temperature, Random rng)
    {
        if (temperature == 0) { int best = 0; for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[best]) best = v; return best; }
        float max = float.NegativeInfinity; foreach (var l in logits) if (l > max) max = l;
        double sum = 0; Span<double> p = logits.Length <= 4096 ? stackalloc double[logits.Length] : new double[logits.Length];
        for (int v = 0; v < logits.Length; v++) { p[v] = Math.Exp((logits[v] - max) / temperature); sum += p[v]; }
        double u = rng.NextDouble() * sum, acc = 0;
        for (int v = 0; v < logits.Length; v++) { acc += p[v]; if (u < acc) return v; }
        return logits.Length - 1;
    }
}
