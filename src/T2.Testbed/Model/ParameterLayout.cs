namespace T2.Testbed.Model;

/// <summary>
/// Offsets of every parameter tensor inside one flat buffer (llm.c's layout). Gradients and AdamW moments share it, so the
/// optimiser is one flat loop. Names match GPT-2 / nanoGPT checkpoint keys.
/// </summary>
public sealed class ParameterLayout
{
    public sealed record Tensor(string Name, int Offset, int[] Shape, bool Decay)
    {
        public int Length => Shape.Aggregate(1, (a, b) => a * b);
    }

    public ModelConfig Config { get; }
    public IReadOnlyList<Tensor> Tensors { get; }
    public int Count { get; }
    public int Wte { get; }
    public int Wpe { get; }
    public int LnfW { get; }
    public int LnfB { get; }
    public int[] Ln1W { get; }
    public int[] Ln1B { get; }
    public int[] QkvW { get; }
    public int[] QkvB { get; }
    public int[] AttProjW { get; }
    public int[] AttProjB { get; }
    public int[] Ln2W { get; }
    public int[] Ln2B { get; }
    public int[] FcW { get; }
    public int[] FcB { get; }
    public int[] FcProjW { get; }
    public int[] FcProjB { get; }

    public ParameterLayout(ModelConfig c)
    {
        c.Validate();
        Config = c;
        int C = c.DModel, L = c.Layers;
        var list = new List<Tensor>();
        int off = 0;
        int Add(string name, bool decay, params int[] shape) { var t = new Tensor(name, off, shape, decay); list.Add(t); off += t.Length; return t.Offset; }
        Wte = Add("wte", true, c.VocabSize, C);           // (V, C), also the output projection
        Wpe = Add("wpe", true, c.Context, C);             // (maxT, C)
        Ln1W = new int[L]; Ln1B = new int[L]; QkvW = new int[L]; QkvB = new int[L]; AttProjW = new int[L]; AttProjB = new int[L];
        Ln2W = new int[L]; Ln2B = new int[L]; FcW = new int[L]; FcB = new int[L]; FcProjW = new int[L]; FcProjB = new int[L];
        for (int l = 0; l < L; l++)
        {
            string p = $"h.{l}.";
            Ln1W[l] = Add(p + "ln_1.weight", false, C); Ln1B[l] = Add(p + "ln_1.bias", false, C);
            QkvW[l] = Add(p + "attn.c_attn.weight", true, 3 * C, C); QkvB[l] = Add(p + "attn.c_attn.bias", false, 3 * C);
            AttProjW[l] = Add(p + "attn.c_proj.weight", true, C, C); AttProjB[l] = Add(p + "attn.c_proj.bias", false, C);
            Ln2W[l] = Add(p + "ln_2.weight", false, C); Ln2B[l] = Add(p + "ln_2.bias", false, C);
            FcW[l] = Add(p + "mlp.c_fc.weight", true, 4 * C, C); FcB[l] = Add(p + "mlp.c_fc.bias", false, 4 * C);
            FcProjW[l] = Add(p + "mlp.c_proj.weight", true, C, 4 * C); FcProjB[l] = Add(p + "mlp.c_proj.bias", false, C);
        }
        LnfW = Add("ln_f.weight", false, C); LnfB = Add("ln_f.bias", false, C);
        Tensors = list; Count = off;
    }

    /// <summary>Parameters excluding the token and position embeddings (Kaplan's N).</summary>
    public int NonEmbeddingCount => Count - Config.VocabSize * Config.DModel - Config.Context * Config.DModel;
}
