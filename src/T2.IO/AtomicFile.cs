namespace T2.IO;

/// <summary>An output path that cannot be written (a directory, a parent that is a file, no permission). Exit 2 in the CLI.</summary>
public sealed class OutputPathException(string path, string problem) : IOException($"{path}: {problem}")
{
    public string Path { get; } = path;
}

/// <summary>
/// The one atomic-write helper: the content goes to a temporary file beside the target (same directory, so the rename
/// cannot cross file systems), is flushed to disk, then renamed over the target. A crash or an exception leaves the old
/// file (or none) and no temporary file; readers never see half a file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Checks that <paramref name="path"/> can name a file and creates its directory; returns the full path.</summary>
    public static string Prepare(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new OutputPathException(path, "an empty output path.");
        string full;
        try { full = System.IO.Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new OutputPathException(path, $"not a usable path ({e.Message})."); }
        if (Directory.Exists(full)) throw new OutputPathException(path, "is a directory; give a file name.");
        var dir = System.IO.Path.GetDirectoryName(full)!;
        EnsureDirectory(dir, path);
        return full;
    }

    /// <summary>Creates <paramref name="dir"/> (and parents), or says which part of it is a file.</summary>
    public static void EnsureDirectory(string dir, string? forPath = null)
    {
        if (Directory.Exists(dir)) return;
        for (var p = dir; !string.IsNullOrEmpty(p); p = System.IO.Path.GetDirectoryName(p))
            if (File.Exists(p)) throw new OutputPathException(forPath ?? dir, $"'{p}' is a file, so it cannot hold {(forPath is null ? "a directory" : "this output")}.");
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new OutputPathException(forPath ?? dir, $"cannot create directory '{dir}' ({e.Message})."); }
    }

    /// <summary>Writes through a stream (flushed to disk before the rename).</summary>
    public static void Write(string path, Action<Stream> write) => WriteVia(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write);
        write(fs);
        fs.Flush(flushToDisk: true);
    });

    public static void WriteAllText(string path, string text) => Write(path, s =>
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        s.Write(bytes);
    });

    /// <summary>
    /// For writers that want a path (e.g. a plotting library's SavePng): <paramref name="writeTo"/> writes the temporary path,
    /// which is then flushed and renamed.
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        var full = Prepare(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTo(tmp);
            using (var fs = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
            File.Move(tmp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e) { throw new OutputPathException(path, $"permission denied ({e.Message})."); }
        // A directory that takes no new files (/proc, a full or read-only disk): name the output, not the temporary file.
        catch (IOException e) when (e is not OutputPathException)
        { throw new OutputPathException(path, $"cannot be written here ({e.Message.Replace(tmp, "its temporary file").TrimEnd('.')})."); }
        finally
        {
            if (File.Exists(tmp)) try { File.Delete(tmp); } catch (IOException) { } // best effort: never leave a temporary file
        }
    }
}
