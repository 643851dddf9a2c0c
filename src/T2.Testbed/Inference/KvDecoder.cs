using System.Numerics.Tensors;
using T2.Testbed.Model;
using T2.Testbed.Model.Layers;

namespace T2.Testbed.Inference;

/// <summary>Keys and values of every layer for a run of positions: K, V laid out (L, capacity, C).</summary>
public sealed class KvCache(int layers, int capacity, int channels)
{
    public float[] K { get; } = new float[layers * capacity * channels];
    public float[] V { get; } = new float[layers * capacity * channels];
    public int Capacity { get; } = capacity;
    public int Length { get; set; }
    public int Offset(int layer, int position, int channels) => (layer * Capacity + position) * channels;
}

/// <summary>
/// Token-by-token decoding with a KV cache. A question's prompt is prefilled once into a prompt cache that every sample
/// of that question then reads (never writes); each sample appends only its own positions to a small cache of its own.
/// Same parameters and the same maths as <see cref="Gpt{T}.Forward"/>; a test checks the logits agree.
/// One decoder per thread (it owns scratch buffers).
/// </summary>
public sealed class KvDecoder
{
    private readonly Gpt<float> _m;
    private readonly ParameterLayout _p;
    private readonly int _c, _l, _nh, _hs, _v;
    private readonly float[] _x, _ln, _qkv, _atty, _proj, _fch, _scores;
    private readonly float[] _mean = new float[1], _rstd = new float[1];

    public KvDecoder(Gpt<float> model)
    {
        _m = model; _p = model.Layout;
        var c = model.Config;
        _c = c.DModel; _l = c.Layers; _nh = c.Heads; _hs = c.HeadSize; _v = c.VocabSize;
        _x = new float[_c]; _ln = new float[_c]; _qkv = new float[3 * _c]; _atty = new float[_c]; _proj = new float[_c];
        _fch = new float[4 * _c]; _scores = new float[c.Context];
    }

    public ModelConfig Config => _m.Config;

    public KvCache NewCache(int capacity) => new(_l, capacity, _c);

    /// <summary>Runs the prompt through the model, filling <paramref name="cache"/>; writes the last position's logits.</summary>
    public void Prefill(ReadOnlySpan<int> prompt, KvCache cache, Span<float> logits)
    {
        cache.Length = 0;
        for (int i = 0; i < prompt.Length; i++) Step(prompt[i], i, null, cache, i == prompt.Length - 1 ? logits : default);
    }

    /// <summary>
    /// One token at absolute position <paramref name="pos"/>: attends to all of <paramref name="prefix"/> (read-only) and to
    /// <paramref name="own"/>, then appends its own key and value to <paramref name="own"/>. Writes logits when a span is given.
    /// </summary>
    public void Step(int token, int pos, KvCache? prefix, KvCache own, Span<float> logits)
    {
        int C = _c;
        if (pos >= Config.Context) throw new ArgumentException($"position {pos} is beyond the model's context {Config.Context}.");
        var prm = _m.Params.AsSpan();
        TensorPrimitives.Add(prm.Slice(_p.Wte + token * C, C), prm.Slice(_p.Wpe + pos * C, C), _x);
        int P = prefix?.Length ?? 0, g = own.Length;
        float scale = 1f / MathF.Sqrt(_hs);
        for (int l = 0; l < _l; l++)
        {
            LayerNorm.Forward<float>(_ln, _mean, _rstd, _x, prm.Slice(_p.Ln1W[l], C), prm.Slice(_p.Ln1B[l], C), 1, C);
            Linear(_qkv, _ln, prm.Slice(_p.QkvW[l], 3 * C * C), prm.Slice(_p.QkvB[l], 3 * C), C, 3 * C);
            int ownOff = own.Offset(l, g, C);
            _qkv.AsSpan(C, C).CopyTo(own.K.AsSpan(ownOff, C));
            _qkv.AsSpan(2 * C, C).CopyTo(own.V.AsSpan(ownOff, C));
            for (int h = 0; h < _nh; h++)
            {
                var q = _qkv.AsSpan(h * _hs, _hs);
                int n = P + g + 1;
                float max = float.NegativeInfinity;
                for (int t = 0; t < n; t++)
                {
                    var (cache, idx) = t < P ? (prefix!, t) : (own, t - P);
                    float s = TensorPrimitives.Dot(q, cache.K.AsSpan(cache.Offset(l, idx, C) + h * _hs, _hs)) * scale;
                    _scores[t] = s; if (s > max) max = s;
                }
                float sum = 0;
                for (int t = 0; t < n; t++) { _scores[t] = MathF.Exp(_scores[t] - max); sum += _scores[t]; }
                var o = _atty.AsSpan(h * _hs, _hs); o.Clear();
                for (int t = 0; t < n; t++)
                {
                    var (cache, idx) = t < P ? (prefix!, t) : (own, t - P);
                    TensorPrimitives.MultiplyAdd(cache.V.AsSpan(cache.Offset(l, idx, C) + h * _hs, _hs), _scores[t] / sum, o, o);
                }
            }
            Linear(_proj, _atty, prm.Slice(_p.AttProjW[l], C * C), prm.Slice(_p.AttProjB[l], C), C, C);
            TensorPrimitives.Add(_x, _proj, _x);
            LayerNorm.Forward<float>(_ln, _mean, _rstd, _x, prm.Slice(_p.Ln2W[l], C), prm.Slice(_p.Ln2B[l], C), 1, C);
            Linear(_fch, _ln, prm.Slice(_p.FcW[l], 4 * C * C), prm.Slice(_p.FcB[l], 4 * C), C, 4 * C);
            Gelu.Forward<float>(_fch, _fch);
            Linear(_proj, _fch, prm.Slice(_p.FcProjW[l], 4 * C * C), prm.Slice(_p.FcProjB[l], C), 4 * C, C);
            TensorPrimitives.Add(_x, _proj, _x);
        }
        own.Length = g + 1;
        if (logits.IsEmpty) return;
        // Only the last position goes through the (tied) output head: inference needs no other logits.
        LayerNorm.Forward<float>(_ln, _mean, _rstd, _x, prm.Slice(_p.LnfW, C), prm.Slice(_p.LnfB, C), 1, C);
        var wte = prm.Slice(_p.Wte, _v * C);
        for (int v = 0; v < _v; v++) logits[v] = TensorPrimitives.Dot<float>(_ln, wte.Slice(v * C, C));
    }

    private static void Linear(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int C, int OC)
    {
        for (int o = 0; o < OC; o++) y[o] = b[o] + TensorPrimitives.Dot(x, w.Slice(o * C, C));
    }
}
