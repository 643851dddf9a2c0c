using System.Text;
using T2.Testbed.Model;

namespace T2.Testbed.IO;

/// <summary>
/// Writes a testbed model as GGUF v3 (llama.cpp's format; gguf-py in the llama.cpp tree is the reference), architecture
/// "gpt2" — the same pre-LayerNorm blocks with biases, learned positions, fused QKV, tanh-GELU MLP and an output head tied
/// to the token embedding (no output.weight: llama.cpp then reuses token_embd). Weights stay float32.
/// The vocabulary is written as a unigram ("t5", SentencePiece-style) vocabulary of whole words, each "▁word" with equal
/// scores: llama.cpp escapes spaces as "▁" and finds the best segmentation, and with only whole-word pieces that is exactly
/// t2's word-level tokenizer on testbed text (every digit and punctuation mark is already its own space-separated word);
/// pieces decode to " word" as t2's server sends them. (WordPiece, "bert", segments the same but always wraps text prompts
/// in BOS … SEP, which here would be &lt;eos&gt; … &lt;eos&gt;.) A test checks llama-server's /tokenize against t2's ids.
/// </summary>
public static class GgufExport
{
    public const uint Magic = 0x46554747; // "GGUF"
    public const uint Version = 3;
    private const int Alignment = 32;

    private enum T : uint { U32 = 4, I32 = 5, F32 = 6, Bool = 7, Str = 8, Arr = 9 }

    public static void Write(string path, CheckpointInfo info, Gpt<float> model, string name)
    {
        var c = info.Model;
        var layout = model.Layout;
        if (info.Vocabulary.Length != c.VocabSize) throw new CheckpointException($"the checkpoint's vocabulary has {info.Vocabulary.Length} words but the model {c.VocabSize}.");
        var tensors = new List<(string Name, long[] Dims, int Offset, int Length)>();
        void Add(string n, int offset, params long[] dims) => tensors.Add((n, dims, offset, (int)dims.Aggregate(1L, (a, b) => a * b)));
        int C = c.DModel;
        Add("token_embd.weight", layout.Wte, C, c.VocabSize);
        Add("position_embd.weight", layout.Wpe, C, c.Context);
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"blk.{l}.";
            Add(p + "attn_norm.weight", layout.Ln1W[l], C); Add(p + "attn_norm.bias", layout.Ln1B[l], C);
            Add(p + "attn_qkv.weight", layout.QkvW[l], C, 3 * C); Add(p + "attn_qkv.bias", layout.QkvB[l], 3 * C);   // (3C, C) row-major = ne [C, 3C]
            Add(p + "attn_output.weight", layout.AttProjW[l], C, C); Add(p + "attn_output.bias", layout.AttProjB[l], C);
            Add(p + "ffn_norm.weight", layout.Ln2W[l], C); Add(p + "ffn_norm.bias", layout.Ln2B[l], C);
            Add(p + "ffn_up.weight", layout.FcW[l], C, 4 * C); Add(p + "ffn_up.bias", layout.FcB[l], 4 * C);
            Add(p + "ffn_down.weight", layout.FcProjW[l], 4 * C, C); Add(p + "ffn_down.bias", layout.FcProjB[l], C);
        }
        Add("output_norm.weight", layout.LnfW, C); Add("output_norm.bias", layout.LnfB, C);

        var kv = new List<Action<BinaryWriter>>();
        void Str(string k, string v) => kv.Add(w => { WStr(w, k); w.Write((uint)T.Str); WStr(w, v); });
        void U32(string k, uint v) => kv.Add(w => { WStr(w, k); w.Write((uint)T.U32); w.Write(v); });
        void F32(string k, float v) => kv.Add(w => { WStr(w, k); w.Write((uint)T.F32); w.Write(v); });
        void Bool(string k, bool v) => kv.Add(w => { WStr(w, k); w.Write((uint)T.Bool); w.Write((byte)(v ? 1 : 0)); });
        Str("general.architecture", "gpt2");
        Str("general.name", name);
        U32("general.alignment", Alignment);
        U32("general.file_type", 0);                               // all float32
        U32("gpt2.context_length", (uint)c.Context);
        U32("gpt2.embedding_length", (uint)C);
        U32("gpt2.feed_forward_length", (uint)(4 * C));
        U32("gpt2.block_count", (uint)c.Layers);
        U32("gpt2.attention.head_count", (uint)c.Heads);
        F32("gpt2.attention.layer_norm_epsilon", 1e-5f);           // LayerNorm.cs
        Str("tokenizer.ggml.model", "t5");
        kv.Add(w =>
        {
            WStr(w, "tokenizer.ggml.tokens"); w.Write((uint)T.Arr); w.Write((uint)T.Str); w.Write((ulong)info.Vocabulary.Length);
            for (int i = 0; i < info.Vocabulary.Length; i++) WStr(w, i == 0 ? info.Vocabulary[0] : "\u2581" + info.Vocabulary[i]);
        });
        kv.Add(w =>
        {
            WStr(w, "tokenizer.ggml.token_type"); w.Write((uint)T.Arr); w.Write((uint)T.I32); w.Write((ulong)info.Vocabulary.Length);
            for (int i = 0; i < info.Vocabulary.Length; i++) w.Write(i == 0 ? 3 : 1);   // 3 = control (<eos>), 1 = normal
        });
        kv.Add(w =>
        {
            WStr(w, "tokenizer.ggml.scores"); w.Write((uint)T.Arr); w.Write((uint)T.F32); w.Write((ulong)info.Vocabulary.Length);
            for (int i = 0; i < info.Vocabulary.Length; i++) w.Write(-1f);                // equal: whole words only, no ties to break
        });
        // <eos> (id 0) is the only special token; the unigram defaults (eos 1, unk 2) would name ordinary words here.
        foreach (var k in new[] { "bos", "eos", "unknown", "padding" }) U32($"tokenizer.ggml.{k}_token_id", 0);
        Bool("tokenizer.ggml.add_space_prefix", true);
        Bool("tokenizer.ggml.remove_extra_whitespaces", true);
        Bool("tokenizer.ggml.add_bos_token", false);
        Bool("tokenizer.ggml.add_eos_token", false);
        Bool("tokenizer.ggml.add_sep_token", false);

        T2.IO.AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic); w.Write(Version); w.Write((ulong)tensors.Count); w.Write((ulong)kv.Count);
            foreach (var k in kv) k(w);
            long rel = 0;
            foreach (var t in tensors)
            {
                WStr(w, t.Name); w.Write((uint)t.Dims.Length);
                foreach (var d in t.Dims) w.Write((ulong)d);
                w.Write(0u);                                      // GGML_TYPE_F32
                w.Write((ulong)rel);
                rel = Align(rel + 4L * t.Length);
            }
            w.Flush();
            Pad(stream);
            long dataStart = stream.Position;
            var bytes = new byte[4 * tensors.Max(t => t.Length)];
            foreach (var t in tensors)
            {
                Buffer.BlockCopy(model.Params, 4 * t.Offset, bytes, 0, 4 * t.Length);
                stream.Write(bytes, 0, 4 * t.Length);
                Pad(stream, dataStart);
            }
        });
    }

    private static long Align(long x) => (x + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream s, long origin = 0)
    {
        long rem = (s.Position - origin) % Alignment;
        if (rem != 0) s.Write(new byte[Alignment - rem]);
    }

    private static void WStr(BinaryWriter w, string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)b.Length); w.Write(b);
    }

    /// <summary>Reads a GGUF file's header: version, tensor count and the string/number metadata (arrays skipped).</summary>
    public static (uint Version, ulong Tensors, Dictionary<string, object> Meta) ReadHeader(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (r.BaseStream.Length < 24 || r.ReadUInt32() != Magic) throw new CheckpointException($"{path}: not a GGUF file (no 'GGUF' magic).");
        uint version = r.ReadUInt32();
        if (version != Version) throw new CheckpointException($"{path}: GGUF version {version}; t2 reads version {Version}.");
        ulong nt = r.ReadUInt64(), nkv = r.ReadUInt64();
        var meta = new Dictionary<string, object>(StringComparer.Ordinal);
        for (ulong i = 0; i < nkv; i++)
        {
            string key = RStr(r);
            meta[key] = ReadValue(r, (T)r.ReadUInt32());
        }
        return (version, nt, meta);
    }

    private static object ReadValue(BinaryReader r, T type) => type switch
    {
        T.U32 => r.ReadUInt32(), T.I32 => r.ReadInt32(), T.F32 => r.ReadSingle(), T.Bool => r.ReadByte() != 0, T.Str => RStr(r),
        T.Arr => ReadArray(r),
        _ => throw new CheckpointException($"GGUF value type {(uint)type} is not one t2 writes."),
    };

    private static object ReadArray(BinaryReader r)
    {
        var et = (T)r.ReadUInt32(); ulong n = r.ReadUInt64();
        var list = new List<object>((int)Math.Min(n, 1 << 20));
        for (ulong i = 0; i < n; i++) list.Add(ReadValue(r, et));
        return list;
    }

    private static string RStr(BinaryReader r)
    {
        ulong n = r.ReadUInt64();
        if (n > 1 << 24) throw new CheckpointException("GGUF string longer than 16 MB: the file is damaged.");
        return Encoding.UTF8.GetString(r.ReadBytes((int)n));
    }
}
