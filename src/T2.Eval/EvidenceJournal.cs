using System.Text;
using System.Text.Json;

namespace T2.Eval;

/// <summary>
/// The evaluation output: JSON lines, one per (checkpoint, task, question), appended as each result arrives and flushed
/// to disk line by line. Reopened, it keeps every complete line and cuts a torn last line (a kill mid-write), so a
/// restarted run skips what it has and loses or duplicates nothing. A file from the other mode is refused. A new file is
/// created only when the first result is ready, so a run that fails before (bad URL, server down) leaves nothing behind.
/// </summary>
public sealed class EvidenceJournal : IDisposable
{
    private FileStream? _stream;
    private readonly HashSet<(string, string, string)> _done = [];
    private readonly object _lock = new();

    public EvidenceJournal(string path, string mode)
    {
        Path = path;
        if (Directory.Exists(path)) throw new EvalInputException(path, 0, null, "is a directory; --out takes the evidence file (JSONL).");
        string full;
        try { full = System.IO.Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new T2.IO.OutputPathException(path, $"not a usable path ({e.Message})."); }
        if (!File.Exists(full))
        {
            // Checked now, created later: the nearest existing ancestor must be a directory.
            for (var p = System.IO.Path.GetDirectoryName(full); !string.IsNullOrEmpty(p); p = System.IO.Path.GetDirectoryName(p))
            {
                if (File.Exists(p)) throw new T2.IO.OutputPathException(path, $"'{p}' is a file, so it cannot hold this output.");
                if (Directory.Exists(p)) break;
            }
            return;
        }
        _stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try { Load(mode); }
        catch { _stream?.Dispose(); throw; }
    }

    public string Path { get; }
    public int Existing { get; private set; }
    public int TornBytes { get; private set; }

    public bool Has(string checkpoint, string task, string id) { lock (_lock) return _done.Contains((checkpoint, task, id)); }

    private void Load(string mode)
    {
        var stream = _stream!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;      // complete lines end with '\n'
        TornBytes = bytes.Length - end;
        int lineNo = 0, start = 0;
        while (start < end)
        {
            int nl = Array.IndexOf(bytes, (byte)'\n', start);
            lineNo++;
            var line = Encoding.UTF8.GetString(bytes, start, nl - start);
            start = nl + 1;
            if (line.Trim().Length == 0) continue;
            try
            {
                using var d = JsonDocument.Parse(line);
                var r = d.RootElement;
                string m = r.GetProperty("mode").GetString()!;
                if (m != mode) throw new EvalInputException(Path, lineNo, "mode", $"this file holds {m} evidence; a {mode} run needs another --out.");
                _done.Add((r.GetProperty("checkpoint").GetString()!, r.GetProperty("task").GetString()!, r.GetProperty("question").GetString()!));
                Existing++;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new EvalInputException(Path, lineNo, null, "not a line t2 eval wrote (each needs mode, checkpoint, task, question); use another --out.");
            }
        }
        if (TornBytes > 0) stream.SetLength(end);
        stream.Position = end;
    }

    /// <summary>Appends one result; a second result for the same key is dropped (and reported as false).</summary>
    public bool Append(string checkpoint, string task, string id, Action<Utf8JsonWriter> fields)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject(); fields(w); w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        lock (_lock)
        {
            if (!_done.Add((checkpoint, task, id))) return false;
            if (_stream is null)
            {
                T2.IO.AtomicFile.EnsureDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!, Path);
                _stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
                _stream.Position = _stream.Length;
            }
            _stream.Write(ms.GetBuffer(), 0, (int)ms.Length);
            _stream.Flush(flushToDisk: true);
            return true;
        }
    }

    public void Dispose() => _stream?.Dispose();
}
