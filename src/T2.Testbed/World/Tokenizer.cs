namespace T2.Testbed.World;

/// <summary>
/// A closed word-level tokenizer: lower-case words separated by spaces, punctuation as its own token, every digit a
/// separate token (so "17" is "1 7" and numbers of any size stay inside the vocabulary). Token 0 is &lt;eos&gt;, which also
/// separates documents in the training stream. An out-of-vocabulary word is an error, never a silent &lt;unk&gt;.
/// </summary>
public sealed class Tokenizer
{
    public const int Eos = 0;
    private readonly Dictionary<string, int> _ids;
    private readonly string[] _words;

    public Tokenizer(IEnumerable<string> words)
    {
        var list = new List<string> { "<eos>" };
        list.AddRange(Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        list.AddRange([".", ",", "?", ":"]);
        foreach (var w in words.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            if (!list.Contains(w)) list.Add(w);
        _words = list.ToArray();
        _ids = _words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
    }

    public int VocabSize => _words.Length;
    public IReadOnlyList<string> Words => _words;

    /// <summary>Splits text into tokens: words, punctuation, single digits.</summary>
    public static IEnumerable<string> Split(string text)
    {
        foreach (var raw in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int start = 0;
            for (int i = 0; i <= raw.Length; i++)
            {
                bool end = i == raw.Length;
                char c = end ? '\0' : raw[i];
                if (end || char.IsDigit(c) || c is '.' or ',' or '?' or ':')
                {
                    if (i > start) yield return raw[start..i].ToLowerInvariant();
                    if (!end) yield return c.ToString();
                    start = i + 1;
                }
            }
        }
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        foreach (var t in Split(text))
            ids.Add(_ids.TryGetValue(t, out int id) ? id : throw new ArgumentException($"'{t}' is not in the testbed vocabulary."));
        return ids.ToArray();
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var parts = new List<string>(ids.Length);
        foreach (var id in ids) parts.Add(id >= 0 && id < _words.Length ? _words[id] : $"<{id}>");
        return string.Join(' ', parts);
    }
}
