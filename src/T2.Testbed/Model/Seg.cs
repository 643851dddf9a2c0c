namespace T2.Testbed.Model;

/// <summary>
/// A slice of a flat array that, unlike a Span, can be captured by the Parallel.For bodies of the heavy layers
/// (matmul, attention). Everything else takes spans.
/// </summary>
public readonly record struct Seg<T>(T[] Array, int Offset, int Length)
{
    public Span<T> Span => Array.AsSpan(Offset, Length);
    public Span<T> Row(int i, int width) => Array.AsSpan(Offset + i * width, width);
    public Seg<T> Slice(int offset, int length) => new(Array, Offset + offset, length);
    public static Seg<T> Of(T[] a) => new(a, 0, a.Length);
    public static Seg<T> Empty => new(System.Array.Empty<T>(), 0, 0);
    public bool IsEmpty => Length == 0;
}
