namespace T2.Eval;

/// <summary>Where tools/build-llama-server.sh puts llama.cpp's llama-server: $T2_LLAMA_SERVER, else the cache directory
/// ($T2_CACHE, default ~/.cache/t2) the script builds into. One place, so the script, the benchmark and the tests agree.</summary>
public static class LlamaServerLocation
{
    public const string BuildName = "llama-server-node-llama-cpp-3.21.1-exact-gelu";

    /// <summary>The expected path of the binary (whether or not it exists).</summary>
    public static string Path()
    {
        var env = Environment.GetEnvironmentVariable("T2_LLAMA_SERVER");
        if (!string.IsNullOrEmpty(env)) return env;
        var cache = Environment.GetEnvironmentVariable("T2_CACHE");
        if (string.IsNullOrEmpty(cache)) cache = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "t2");
        return System.IO.Path.Combine(cache, BuildName, "build", "bin", "llama-server");
    }

    /// <summary>The binary, or null when it has not been built.</summary>
    public static string? Find() => File.Exists(Path()) ? Path() : null;
}
