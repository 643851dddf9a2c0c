namespace T2.Testbed.Training;

/// <summary>Learning rate at a step: linear warm-up, then cosine decay to zero at the run's own last step (as the paper's runs).</summary>
public static class LrSchedule
{
    public static double At(int step, int totalSteps, int warmupSteps, double maxLr)
    {
        if (step < warmupSteps) return maxLr * (step + 1) / warmupSteps;                       // 1) linear warm-up
        if (step >= totalSteps) return 0;
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps); // 2) cosine to zero
        return maxLr * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
