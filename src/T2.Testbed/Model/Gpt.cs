using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using T2.Testbed.Model.Layers;

namespace T2.Testbed.Model;

/// <summary>
/// The GPT, generic over the float type so the same code trains in float32 and is gradient-checked in double.
/// Parameters, gradients and activations each live in one flat buffer; activations are sized on the first forward for
/// a fixed (B, T), and a later forward with another (B, T) is an error (llm.c). Forward is about ten layer calls per
/// block; Backward makes the same calls in exact reverse.
/// </summary>
public sealed class Gpt<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public T[] Params { get; }
    public T[] Grads { get; }

    /// <summary>Names of the ops <see cref="OpTicks"/> times, forward then backward.</summary>
    public static readonly string[] OpNames =
    [
        "encoder", "ln1", "qkv", "attention", "att_proj", "residual", "ln2", "fc", "gelu", "fc_proj", "ln_f", "logits", "cross_entropy",
        "cross_entropy.bwd", "logits.bwd", "ln_f.bwd", "residual.bwd", "fc_proj.bwd", "gelu.bwd", "fc.bwd", "ln2.bwd", "att_proj.bwd",
        "attention.bwd", "qkv.bwd", "ln1.bwd", "encoder.bwd", "clear",
    ];

    /// <summary>Time spent in each op of <see cref="OpNames"/>, summed over layers and calls, in the units of
    /// <see cref="OpClock"/>; null (the default) times nothing. Set only by the profiler: it reads the clock between layer calls.</summary>
    public long[]? OpTicks { get; set; }
    /// <summary>The profiler's clock: Stopwatch ticks (wall) unless set, e.g. to <see cref="ThreadCpuClock.Now"/>.</summary>
    public Func<long> OpClock { get; set; } = Stopwatch.GetTimestamp;
    private long _tick;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Tick(int op)
    {
        if (OpTicks is not { } t) return;
        long now = OpClock();
        if (op >= 0) t[op] += now - _tick;
        _tick = now;
    }

    private int _b, _t;
    private T[] _acts = [], _dacts = [];
    private int[] _tokens = [], _targets = [];
    private Acts _a;

    // Offsets of each activation tensor in the activation buffer (the same layout is used for their gradients).
    private struct Acts
    {
        public int Encoded, Ln1, Ln1Mean, Ln1Rstd, Qkv, Atty, Preatt, Att, AttProj, Residual2, Ln2, Ln2Mean, Ln2Rstd, Fch, FchGelu, FcProj, Residual3;
        public int Lnf, LnfMean, LnfRstd, Logits, Probs, Losses, Total;
    }

    public Gpt(ModelConfig config)
    {
        Config = config;
        Layout = new ParameterLayout(config);
        Params = new T[Layout.Count];
        Grads = new T[Layout.Count];
    }

    /// <summary>GPT-2 initialisation: N(0, 0.02), residual projections scaled by 1/√(2L), LayerNorm weight 1, biases 0.</summary>
    public void Initialise(int seed)
    {
        var rng = new Random(seed);
        foreach (var t in Layout.Tensors)
        {
            var p = Params.AsSpan(t.Offset, t.Length);
            if (t.Name.Contains("ln_") && t.Name.EndsWith(".weight")) { p.Fill(T.One); continue; }
            if (t.Shape.Length == 1) { p.Clear(); continue; }
            double std = t.Name.EndsWith("c_proj.weight") ? 0.02 / Math.Sqrt(2 * Config.Layers) : 0.02;
            for (int i = 0; i < p.Length; i++)
            {
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                p[i] = T.CreateChecked(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
        }
    }

    private void Allocate(int B, int Tn)
    {
        if (_acts.Length > 0)
        {
            if (B != _b || Tn != _t) throw new InvalidOperationException($"activations are sized for (B, T) = ({_b}, {_t}); got ({B}, {Tn}).");
            return;
        }
        if (Tn > Config.Context) throw new ArgumentException($"sequence length {Tn} exceeds the model's context {Config.Context}.");
        int C = Config.DModel, L = Config.Layers, NH = Config.Heads, V = Config.VocabSize, N = B * Tn;
        int off = 0;
        int Next(int n) { int o = off; off += n; return o; }
        _a = new Acts
        {
            Encoded = Next(N * C), Ln1 = Next(L * N * C), Ln1Mean = Next(L * N), Ln1Rstd = Next(L * N), Qkv = Next(L * N * 3 * C), Atty = Next(L * N * C),
            Preatt = Next(L * B * NH * Tn * Tn), Att = Next(L * B * NH * Tn * Tn), AttProj = Next(L * N * C), Residual2 = Next(L * N * C),
            Ln2 = Next(L * N * C), Ln2Mean = Next(L * N), Ln2Rstd = Next(L * N), Fch = Next(L * N * 4 * C), FchGelu = Next(L * N * 4 * C),
            FcProj = Next(L * N * C), Residual3 = Next(L * N * C), Lnf = Next(N * C), LnfMean = Next(N), LnfRstd = Next(N),
            Logits = Next(N * V), Probs = Next(N * V), Losses = Next(N),
        };
        _a.Total = off;
        _acts = new T[off]; _dacts = new T[off];
        _tokens = new int[N]; _targets = new int[N];
        _b = B; _t = Tn;
    }

    private Seg<T> A(int offset, int length) => new(_acts, offset, length);
    private Seg<T> DA(int offset, int length) => new(_dacts, offset, length);
    private Seg<T> P(int offset, int length) => new(Params, offset, length);
    private Seg<T> G(int offset, int length) => new(Grads, offset, length);

    /// <summary>Logits (B·T, V) of the last forward.</summary>
    public ReadOnlySpan<T> Logits => _acts.AsSpan(_a.Logits, _b * _t * Config.VocabSize);
    public ReadOnlySpan<T> Probs => _acts.AsSpan(_a.Probs, _b * _t * Config.VocabSize);
    public ReadOnlySpan<T> Losses => _acts.AsSpan(_a.Losses, _b * _t);

    /// <summary>Forward pass over tokens (B, T); with targets (B, T; −1 = ignore) returns the mean loss, else NaN.</summary>
    public T Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, int B, int Tn)
    {
        Allocate(B, Tn);
        int C = Config.DModel, L = Config.Layers, NH = Config.Heads, V = Config.VocabSize, N = B * Tn;
        Tick(-1);
        tokens.CopyTo(_tokens);
        foreach (var tok in tokens) if ((uint)tok >= (uint)V) throw new ArgumentOutOfRangeException(nameof(tokens), $"token {tok} outside the vocabulary of {V}.");
        Encoder.Forward<T>(A(_a.Encoded, N * C).Span, tokens, Params.AsSpan(Layout.Wte, V * C), Params.AsSpan(Layout.Wpe, Config.Context * C), B, Tn, C); Tick(0);
        for (int l = 0; l < L; l++)
        {
            var residual = l == 0 ? A(_a.Encoded, N * C) : A(_a.Residual3 + (l - 1) * N * C, N * C);
            int nc = l * N * C, n = l * N, att = l * B * NH * Tn * Tn;
            LayerNorm.Forward<T>(A(_a.Ln1 + nc, N * C).Span, A(_a.Ln1Mean + n, N).Span, A(_a.Ln1Rstd + n, N).Span, residual.Span,
                Params.AsSpan(Layout.Ln1W[l], C), Params.AsSpan(Layout.Ln1B[l], C), N, C); Tick(1);
            Matmul.Forward(A(_a.Qkv + 3 * nc, 3 * N * C), A(_a.Ln1 + nc, N * C), P(Layout.QkvW[l], 3 * C * C), P(Layout.QkvB[l], 3 * C), N, C, 3 * C); Tick(2);
            Attention.Forward(A(_a.Atty + nc, N * C), A(_a.Preatt + att, B * NH * Tn * Tn), A(_a.Att + att, B * NH * Tn * Tn), A(_a.Qkv + 3 * nc, 3 * N * C), B, Tn, C, NH); Tick(3);
            Matmul.Forward(A(_a.AttProj + nc, N * C), A(_a.Atty + nc, N * C), P(Layout.AttProjW[l], C * C), P(Layout.AttProjB[l], C), N, C, C); Tick(4);
            Residual.Forward<T>(A(_a.Residual2 + nc, N * C).Span, residual.Span, A(_a.AttProj + nc, N * C).Span); Tick(5);
            LayerNorm.Forward<T>(A(_a.Ln2 + nc, N * C).Span, A(_a.Ln2Mean + n, N).Span, A(_a.Ln2Rstd + n, N).Span, A(_a.Residual2 + nc, N * C).Span,
                Params.AsSpan(Layout.Ln2W[l], C), Params.AsSpan(Layout.Ln2B[l], C), N, C); Tick(6);
            Matmul.Forward(A(_a.Fch + 4 * nc, 4 * N * C), A(_a.Ln2 + nc, N * C), P(Layout.FcW[l], 4 * C * C), P(Layout.FcB[l], 4 * C), N, C, 4 * C); Tick(7);
            Gelu.Forward<T>(A(_a.FchGelu + 4 * nc, 4 * N * C).Span, A(_a.Fch + 4 * nc, 4 * N * C).Span); Tick(8);
            Matmul.Forward(A(_a.FcProj + nc, N * C), A(_a.FchGelu + 4 * nc, 4 * N * C), P(Layout.FcProjW[l], 4 * C * C), P(Layout.FcProjB[l], C), N, 4 * C, C); Tick(9);
            Residual.Forward<T>(A(_a.Residual3 + nc, N * C).Span, A(_a.Residual2 + nc, N * C).Span, A(_a.FcProj + nc, N * C).Span); Tick(5);
        }
        var last = A(_a.Residual3 + (L - 1) * N * C, N * C);
        LayerNorm.Forward<T>(A(_a.Lnf, N * C).Span, A(_a.LnfMean, N).Span, A(_a.LnfRstd, N).Span, last.Span, Params.AsSpan(Layout.LnfW, C), Params.AsSpan(Layout.LnfB, C), N, C); Tick(10);
        Matmul.Forward(A(_a.Logits, N * V), A(_a.Lnf, N * C), P(Layout.Wte, V * C), Seg<T>.Empty, N, C, V); // tied output: logits = lnf · wteᵀ
        Tick(11);
        if (targets.IsEmpty) return T.NaN;
        targets.CopyTo(_targets);
        CrossEntropy.Forward(A(_a.Probs, N * V), A(_a.Losses, N).Span, A(_a.Logits, N * V), targets, N, V);
        T sum = T.Zero; int count = 0;
        for (int i = 0; i < N; i++) if (targets[i] >= 0) { sum += _acts[_a.Losses + i]; count++; }
        Tick(12);
        return count == 0 ? T.Zero : sum / T.CreateChecked(count);
    }

    public void ZeroGrad() { Array.Clear(Grads); }

    /// <summary>Backward of the last forward (which had targets); adds into <see cref="Grads"/>. dloss = 1/(number of targets).</summary>
    public void Backward()
    {
        if (_acts.Length == 0) throw new InvalidOperationException("Backward before Forward.");
        int B = _b, Tn = _t, C = Config.DModel, L = Config.Layers, NH = Config.Heads, V = Config.VocabSize, N = B * Tn;
        Tick(-1);
        Array.Clear(_dacts); Tick(26);
        int count = 0; foreach (var t in _targets.AsSpan(0, N)) if (t >= 0) count++;
        var dloss = DA(_a.Losses, N).Span;
        dloss.Fill(count == 0 ? T.Zero : T.One / T.CreateChecked(count));
        CrossEntropy.Backward(DA(_a.Logits, N * V), A(_a.Probs, N * V), dloss, _targets.AsSpan(0, N), N, V); Tick(13);
        Matmul.Backward(DA(_a.Lnf, N * C), G(Layout.Wte, V * C), Seg<T>.Empty, DA(_a.Logits, N * V), A(_a.Lnf, N * C), P(Layout.Wte, V * C), N, C, V); Tick(14);
        var last = A(_a.Residual3 + (L - 1) * N * C, N * C); var dlast = DA(_a.Residual3 + (L - 1) * N * C, N * C);
        LayerNorm.Backward<T>(dlast.Span, Grads.AsSpan(Layout.LnfW, C), Grads.AsSpan(Layout.LnfB, C), DA(_a.Lnf, N * C).Span, last.Span,
            Params.AsSpan(Layout.LnfW, C), A(_a.LnfMean, N).Span, A(_a.LnfRstd, N).Span, N, C); Tick(15);
        for (int l = L - 1; l >= 0; l--)
        {
            var residual = l == 0 ? A(_a.Encoded, N * C) : A(_a.Residual3 + (l - 1) * N * C, N * C);
            var dresidual = l == 0 ? DA(_a.Encoded, N * C) : DA(_a.Residual3 + (l - 1) * N * C, N * C);
            int nc = l * N * C, n = l * N, att = l * B * NH * Tn * Tn;
            var dres3 = DA(_a.Residual3 + nc, N * C).Span;
            Residual.Backward<T>(DA(_a.Residual2 + nc, N * C).Span, DA(_a.FcProj + nc, N * C).Span, dres3); Tick(16);
            Matmul.Backward(DA(_a.FchGelu + 4 * nc, 4 * N * C), G(Layout.FcProjW[l], 4 * C * C), G(Layout.FcProjB[l], C), DA(_a.FcProj + nc, N * C),
                A(_a.FchGelu + 4 * nc, 4 * N * C), P(Layout.FcProjW[l], 4 * C * C), N, 4 * C, C); Tick(17);
            Gelu.Backward<T>(DA(_a.Fch + 4 * nc, 4 * N * C).Span, A(_a.Fch + 4 * nc, 4 * N * C).Span, DA(_a.FchGelu + 4 * nc, 4 * N * C).Span); Tick(18);
            Matmul.Backward(DA(_a.Ln2 + nc, N * C), G(Layout.FcW[l], 4 * C * C), G(Layout.FcB[l], 4 * C), DA(_a.Fch + 4 * nc, 4 * N * C),
                A(_a.Ln2 + nc, N * C), P(Layout.FcW[l], 4 * C * C), N, C, 4 * C); Tick(19);
            LayerNorm.Backward<T>(DA(_a.Residual2 + nc, N * C).Span, Grads.AsSpan(Layout.Ln2W[l], C), Grads.AsSpan(Layout.Ln2B[l], C), DA(_a.Ln2 + nc, N * C).Span,
                A(_a.Residual2 + nc, N * C).Span, Params.AsSpan(Layout.Ln2W[l], C), A(_a.Ln2Mean + n, N).Span, A(_a.Ln2Rstd + n, N).Span, N, C); Tick(20);
            Residual.Backward<T>(dresidual.Span, DA(_a.AttProj + nc, N * C).Span, DA(_a.Residual2 + nc, N * C).Span); Tick(16);
            Matmul.Backward(DA(_a.Atty + nc, N * C), G(Layout.AttProjW[l], C * C), G(Layout.AttProjB[l], C), DA(_a.AttProj + nc, N * C),
                A(_a.Atty + nc, N * C), P(Layout.AttProjW[l], C * C), N, C, C); Tick(21);
            Attention.Backward(DA(_a.Qkv + 3 * nc, 3 * N * C), DA(_a.Preatt + att, B * NH * Tn * Tn), DA(_a.Att + att, B * NH * Tn * Tn), DA(_a.Atty + nc, N * C),
                A(_a.Qkv + 3 * nc, 3 * N * C), A(_a.Att + att, B * NH * Tn * Tn), B, Tn, C, NH); Tick(22);
            Matmul.Backward(DA(_a.Ln1 + nc, N * C), G(Layout.QkvW[l], 3 * C * C), G(Layout.QkvB[l], 3 * C), DA(_a.Qkv + 3 * nc, 3 * N * C),
                A(_a.Ln1 + nc, N * C), P(Layout.QkvW[l], 3 * C * C), N, C, 3 * C); Tick(23);
            LayerNorm.Backward<T>(dresidual.Span, Grads.AsSpan(Layout.Ln1W[l], C), Grads.AsSpan(Layout.Ln1B[l], C), DA(_a.Ln1 + nc, N * C).Span,
                residual.Span, Params.AsSpan(Layout.Ln1W[l], C), A(_a.Ln1Mean + n, N).Span, A(_a.Ln1Rstd + n, N).Span, N, C); Tick(24);
        }
        Encoder.Backward<T>(Grads.AsSpan(Layout.Wte, V * C), Grads.AsSpan(Layout.Wpe, Config.Context * C), DA(_a.Encoded, N * C).Span, _tokens.AsSpan(0, N), B, Tn, C); Tick(25);
    }
}
