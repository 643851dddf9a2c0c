using System.Diagnostics;
using System.Runtime.InteropServices;

namespace T2.Cli.Commands;

/// <summary>
/// OpenBLAS's 1024³ SGEMM on a given number of threads: the peak the testbed's throughput is measured against (issue 22).
/// Loaded at run time if the shared library is installed (Debian: libopenblas0-pthread); absent, the caller falls back to
/// t2's own GEMM. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the process environment before the library
/// loads, so OpenBLAS picks its own kernel for this CPU (a forced older kernel understates the peak by a third).
/// </summary>
public static unsafe partial class OpenBlasAnchor
{
    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0", "libopenblas.so.0",
    ];

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);

    public sealed record Result(double FlopsPerSecond, int Threads, string Library, string Core, string Config);

    /// <summary>Best of 5 timed products after a warm-up, or null when no OpenBLAS library can be loaded.</summary>
    public static Result? Measure(int size, int threads)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try { UnsetEnv("OPENBLAS_CORETYPE"); UnsetEnv("OPENBLAS_L2_SIZE"); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
        string? path = null; nint lib = 0;
        foreach (var cand in Candidates)
            if (NativeLibrary.TryLoad(cand, out lib)) { path = cand; break; }
        if (path is null) return null;
        if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out var gemmPtr)) return null;
        var sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)gemmPtr;
        if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out var setPtr))
            ((delegate* unmanaged<int, void>)setPtr)(threads);
        string core = Str(lib, "openblas_get_corename"), config = Str(lib, "openblas_get_config");
        int m = size;
        var rng = new Random(1);
        float[] a = new float[m * m], b = new float[m * m], c = new float[m * m];
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble(); b[i] = (float)rng.NextDouble(); }
        double best = double.PositiveInfinity;
        fixed (float* pa = a, pb = b, pc = c)
            for (int r = 0; r < 6; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                // Row-major C = A·Bᵀ, as the testbed's forward kernel computes it (101 = row major, 111/112 = no/transpose).
                sgemm(101, 111, 112, m, m, m, 1f, pa, m, pb, m, 0f, pc, m);
                if (r > 0) best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        return new Result(2.0 * m * m * m / best, threads, path, core, config);
    }

    private static string Str(nint lib, string fn)
        => NativeLibrary.TryGetExport(lib, fn, out var p) ? Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)p)()) ?? "" : "";
}
