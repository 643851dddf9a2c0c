using T2.Testbed.Model;

namespace T2.Tests.Testbed;

public class WorkerPoolTests
{
    private sealed class Squares(long[] output, bool nested) : IParallelBody
    {
        public void Invoke(int i)
        {
            output[i] = (long)i * i;
            if (nested && i == 0) WorkerPool.Shared.For(3, new Squares(new long[3], false)); // must run serially, not corrupt the outer run
        }
    }

    private sealed class Throws : IParallelBody
    {
        public void Invoke(int i) { if (i == 7) throw new InvalidOperationException("boom at 7"); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void For_VisitsEveryIndexExactlyOnce(bool nested)
    {
        for (int rep = 0; rep < 50; rep++)
        {
            var o = new long[1000];
            WorkerPool.Shared.For(o.Length, new Squares(o, nested));
            for (int i = 0; i < o.Length; i++) Assert.Equal((long)i * i, o[i]);
        }
    }

    [Fact]
    public void For_RethrowsABodysException_AndStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.Shared.For(20, new Throws()));
        Assert.Contains("boom", e.Message);
        var o = new long[10];
        WorkerPool.Shared.For(o.Length, new Squares(o, false));
        Assert.Equal(81, o[9]);
    }
}
