using T2.Testbed.Model;
using T2.Testbed.Training;

namespace T2.Tests.Testbed;

/// <summary>
/// What the fast kernels must keep: a training step gives the same bits on one thread as on the worker pool (the ladder
/// trains serially side by side, `testbed train` on the pool), and a step allocates nothing once warm.
/// </summary>
public class EngineInvariantTests
{
    // d32 with two heads of 16 (the presets' head size: the fast attention), a vocabulary that is not a multiple of 16.
    private static readonly ModelConfig Config = new(141, 64, 32, 2, 2);

    private static float[] Train(bool serial, int steps, out long allocatedInLastSteps)
    {
        bool old = WorkerPool.SerialOnThisThread;
        WorkerPool.SerialOnThisThread = serial;
        try
        {
            var model = new Gpt<float>(Config);
            model.Initialise(3);
            var opt = Trainer.NewOptimizer(model, new TrainOptions());
            var rng = new Random(5);
            int B = 4, T = 64;
            var inp = new int[B * T]; var tgt = new int[B * T];
            allocatedInLastSteps = 0;
            for (int s = 0; s < steps; s++)
            {
                for (int i = 0; i < inp.Length; i++) { inp[i] = rng.Next(Config.VocabSize); tgt[i] = rng.Next(Config.VocabSize); }
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                model.Forward(inp, tgt, B, T);
                model.ZeroGrad();
                model.Backward();
                Trainer.ClipGlobalNorm(model.Grads, 1);
                opt.Step(model.Params, model.Grads, 1e-3f, s + 1);
                if (s >= steps - 3) allocatedInLastSteps += GC.GetAllocatedBytesForCurrentThread() - a0;
            }
            return model.Params;
        }
        finally { WorkerPool.SerialOnThisThread = old; }
    }

    [Fact]
    public void TrainingSteps_AreBitIdentical_OnOneThreadAndOnThePool()
    {
        var serial = Train(serial: true, steps: 4, out _);
        var pooled = Train(serial: false, steps: 4, out _);
        Assert.Equal(serial, pooled);
        Assert.NotEqual(serial, Train(serial: true, steps: 3, out _)); // the steps did change the weights
    }

    [Fact]
    public void AWarmTrainingStep_AllocatesNothing_OnItsThread()
    {
        Train(serial: true, steps: 6, out long bytes);
        Assert.Equal(0, bytes);
    }
}
