namespace T2.Tests;

/// <summary>
/// Tests that need a program outside the clone (llama.cpp's llama-server, Debian's chromium). Locally, a missing program
/// makes the test <em>skipped</em> — reported as such by the runner, with the reason — never a silent pass; in CI
/// (<c>CI</c> set, as .ci/run and every CI service set it) it is a failure, because .ci/run installs both.
/// </summary>
public static class Requires
{
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Skips (locally) or fails (CI) when <paramref name="present"/> is false.</summary>
    public static void Program(bool present, string what, string howToGetIt)
    {
        if (present) return;
        string reason = $"{what} is missing ({howToGetIt})";
        if (InCi) Assert.Fail(reason + "; CI must run this test.");
        Skip.If(true, reason + "; skipped locally, fails in CI.");
    }
}
