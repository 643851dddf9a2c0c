using T2.Testbed.World;

namespace T2.Testbed.Training;

/// <summary>
/// The endless pretraining stream: documents of the world in order, each followed by &lt;eos&gt;. Its position is
/// (document, offset), saved in checkpoints so a resumed run continues exactly where it stopped. With a document limit the
/// stream is a finite corpus: after the last of its documents it starts again at the first (the next epoch).
/// </summary>
public sealed class TokenStream(SyntheticWorld world, long document = 0, int offset = 0, long documentLimit = 0)
{
    /// <summary>The finite corpus of at least <paramref name="uniqueTokens"/> tokens: the fewest leading documents that
    /// hold them, and their exact token count (each document with its &lt;eos&gt;).</summary>
    public static (long Documents, long Tokens) Corpus(SyntheticWorld world, long uniqueTokens)
    {
        long docs = 0, tokens = 0;
        while (tokens < uniqueTokens) { tokens += world.Tokenizer.Encode(world.Document(docs)).Length + 1; docs++; }
        return (docs, tokens);
    }

    private int[] _doc = [];
    private long _loaded = -1;

    public long Document { get; private set; } = document;
    public int Offset { get; private set; } = offset;

    public int Next()
    {
        while (true)
        {
            if (_loaded != Document) { _doc = [.. world.Tokenizer.Encode(world.Document(Document)), Tokenizer.Eos]; _loaded = Document; }
            if (Offset < _doc.Length) return _doc[Offset++];
            Document++; Offset = 0;
            if (documentLimit > 0 && Document >= documentLimit) Document = 0;
        }
    }

    /// <summary>B rows of T inputs and their next-token targets, contiguous windows of T + 1 tokens.</summary>
    public void NextBatch(Span<int> inputs, Span<int> targets, int B, int T)
    {
        for (int b = 0; b < B; b++)
        {
            int prev = Next();
            for (int t = 0; t < T; t++)
            {
                int cur = Next();
                inputs[b * T + t] = prev; targets[b * T + t] = cur; prev = cur;
            }
        }
    }
}
