using System.Runtime.ExceptionServices;

namespace T2.Testbed.Model;

/// <summary>One unit of parallel work: the pool calls <see cref="Invoke"/> once for every index in [0, count).</summary>
public interface IParallelBody
{
    void Invoke(int index);
}

/// <summary>
/// An allocation-free parallel-for for the training loop. Parallel.For allocates its closure, delegate and task state on
/// every call (≈ 60 KB per training step here); this pool keeps ProcessorCount − 1 dedicated threads, hands out indices
/// with one interlocked counter, and runs bodies the caller reuses (one instance per call site per thread). Work is always
/// split into the same fixed blocks, so results do not depend on how many threads take part. A second caller while a run is
/// in progress (two models training at once) simply runs its loop on its own thread.
/// </summary>
public sealed class WorkerPool
{
    public static WorkerPool Shared { get; } = new(Math.Max(1, Environment.ProcessorCount));

    private readonly int _threads;
    private readonly SemaphoreSlim _start = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private int _busy; // 0 idle, 1 running: a non-reentrant gate (a nested or concurrent call runs serially instead)
    private IParallelBody? _body;
    private int _count, _next, _pending;
    private Exception? _error;

    private WorkerPool(int threads)
    {
        _threads = threads;
        for (int i = 0; i < threads - 1; i++)
            new Thread(Worker) { IsBackground = true, Name = $"t2-worker-{i}" }.Start();
    }

    /// <summary>
    /// Set on a thread that trains one of several models side by side: its loops then run on that thread alone. Sharing the
    /// pool there oversubscribes the cores, and a pool step waits for its slowest (descheduled) worker.
    /// </summary>
    [ThreadStatic] public static bool SerialOnThisThread;

    public void For(int count, IParallelBody body)
    {
        if (count <= 0) return;
        if (count == 1 || _threads == 1 || SerialOnThisThread || Interlocked.CompareExchange(ref _busy, 1, 0) != 0) { for (int i = 0; i < count; i++) body.Invoke(i); return; }
        try
        {
            _body = body; _count = count; _next = -1; _error = null;
            int helpers = Math.Min(_threads - 1, count - 1);
            _pending = helpers + 1;
            _done.Reset();
            _start.Release(helpers);
            Drain();
            if (Interlocked.Decrement(ref _pending) != 0) _done.Wait();
            _body = null;
            if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally { Volatile.Write(ref _busy, 0); }
    }

    private void Drain()
    {
        var body = _body!;
        int i;
        while ((i = Interlocked.Increment(ref _next)) < _count)
        {
            try { body.Invoke(i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
        }
    }

    private void Worker()
    {
        while (true)
        {
            _start.Wait();
            Drain();
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }
}
