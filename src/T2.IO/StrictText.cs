using System.Text;

namespace T2.IO;

/// <summary>Bytes that are not UTF-8 (a Latin-1 log, a binary file): names the file and the first bad line. Exit 2 in the CLI.</summary>
public sealed class NotUtf8Exception(string path, int line)
    : IOException($"{path}:{line}: not UTF-8 text (re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8).")
{
    public string Path { get; } = path;
    public int Line { get; } = line;
}

/// <summary>
/// Reads text files strictly as UTF-8: .NET's readers replace undecodable bytes with U+FFFD silently, so a Latin-1 log
/// would import with mangled names and answers. Every reader of user files goes through here.
/// </summary>
public static class StrictText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's lines (1-based numbers, without '\n' or '\r'); a byte-order mark is skipped.</summary>
    public static IEnumerable<(int Line, string Text)> Lines(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0, n = 0;
        while (start < bytes.Length)
        {
            int nl = Array.IndexOf(bytes, (byte)'\n', start);
            int end = nl < 0 ? bytes.Length : nl;
            n++;
            int len = end - start;
            if (len > 0 && bytes[end - 1] == (byte)'\r') len--;
            string text;
            try { text = Strict.GetString(bytes, start, len); }
            catch (DecoderFallbackException) { throw new NotUtf8Exception(path, n); }
            yield return (n, text);
            start = end + 1;
        }
    }

    /// <summary>The whole file as one string (BOM skipped); undecodable bytes name their line.</summary>
    public static string ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int skip = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try { return Strict.GetString(bytes, skip, bytes.Length - skip); }
        catch (DecoderFallbackException e)
        {
            int at = Math.Clamp(e.Index + skip, 0, bytes.Length);
            int line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == (byte)'\n') line++;
            throw new NotUtf8Exception(path, line);
        }
    }
}
