namespace T2.Testbed.Model;

/// <summary>
/// Shape of the GPT: pre-LayerNorm blocks with biases, learned positions, GELU MLP of width 4C, output tied to the token
/// embedding (nanoGPT / llm.c). <see cref="Context"/> is the longest sequence the position table holds.
/// </summary>
public sealed record ModelConfig(int VocabSize, int Context, int DModel, int Layers, int Heads)
{
    public int HeadSize => DModel / Heads;

    public void Validate()
    {
        if (VocabSize < 2) throw new ArgumentException($"vocab size {VocabSize} must be ≥ 2.");
        if (Context < 2) throw new ArgumentException($"context {Context} must be ≥ 2.");
        if (DModel < 1 || Layers < 1 || Heads < 1) throw new ArgumentException("d-model, layers and heads must be ≥ 1.");
        if (DModel % Heads != 0) throw new ArgumentException($"heads ({Heads}) must divide d-model ({DModel}).");
    }
}
