using System.Runtime.InteropServices;

namespace T2.Testbed.Model;

/// <summary>
/// CPU time of the calling thread in nanoseconds (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID)). On a machine shared
/// with other jobs, wall time counts the moments the thread was descheduled — twenty-fold at a load of 30 on 2 cores —
/// while the thread's own CPU time does not; the profiler and the ladder benchmark report both.
/// </summary>
public static partial class ThreadCpuClock
{
    private struct Timespec { public long Sec, Nsec; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec ts);

    private const int ThreadCpuTimeId = 3;

    /// <summary>Whether <see cref="Now"/> reads thread CPU time (else it is null and callers fall back to wall time).</summary>
    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return ClockGetTime(ThreadCpuTimeId, out _) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    /// <summary>Nanoseconds of CPU time this thread has used, or −1 where unavailable.</summary>
    public static long Now() => Available && ClockGetTime(ThreadCpuTimeId, out var ts) == 0 ? ts.Sec * 1_000_000_000 + ts.Nsec : -1;
}
