using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace T2.Testbed.IO;

/// <summary>A corrupt or incompatible checkpoint file; the CLI prints it as one line and exits 2.</summary>
public sealed class CheckpointException(string message) : Exception(message);

/// <summary>
/// safetensors: an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} (plus
/// "__metadata__"), then the raw little-endian data. Only F32 is written and read here. Every field is validated on read.
/// </summary>
public static class Safetensors
{
    public sealed record Entry(string Name, int[] Shape, float[] Data);

    public static void Write(string path, IEnumerable<Entry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        // Written field by field (no reflection): {"__metadata__": {...}, name: {dtype, shape, data_offsets}, ...}.
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (metadata is not null)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long off = 0;
            foreach (var t in list)
            {
                long bytes = (long)t.Data.Length * 4;
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape"); foreach (int d in t.Shape) w.WriteNumberValue(d); w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(off); w.WriteNumberValue(off + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                off += bytes;
            }
            w.WriteEndObject();
        }
        var json = buffer.ToArray();
        int pad = (8 - json.Length % 8) % 8;
        var headerBytes = new byte[json.Length + pad];
        json.CopyTo(headerBytes, 0);
        for (int i = json.Length; i < headerBytes.Length; i++) headerBytes[i] = (byte)' ';
        T2.IO.AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerBytes.Length);
            fs.Write(len); fs.Write(headerBytes);
            foreach (var t in list)
            {
                var bytes = new byte[t.Data.Length * 4];
                for (int i = 0; i < t.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), t.Data[i]);
                fs.Write(bytes);
            }
        });
    }

    public static Dictionary<string, Entry> Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found.");
        var all = File.ReadAllBytes(path);
        if (all.Length < 8) throw new CheckpointException($"{path}: not a safetensors file (shorter than its 8-byte header length).");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(all);
        if (n == 0 || n > (ulong)(all.Length - 8)) throw new CheckpointException($"{path}: corrupt safetensors header length {n} (file has {all.Length} bytes).");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(all.AsMemory(8, (int)n)); }
        catch (JsonException e) { throw new CheckpointException($"{path}: corrupt safetensors header ({e.Message.Split('.')[0]})."); }
        using (doc)
        {
            long dataStart = 8 + (long)n, dataLen = all.Length - dataStart;
            var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__") continue;
                try
                {
                    string dtype = p.Value.GetProperty("dtype").GetString() ?? "";
                    if (dtype != "F32") throw new CheckpointException($"{path}: tensor '{p.Name}' has dtype {dtype}; t2 reads F32 only.");
                    var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                    var offs = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    long count = shape.Aggregate(1L, (a, b) => a * b);
                    if (offs.Length != 2 || offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataLen || offs[1] - offs[0] != count * 4)
                        throw new CheckpointException($"{path}: tensor '{p.Name}' has data offsets [{string.Join(", ", offs)}] inconsistent with shape [{string.Join(", ", shape)}] or the file size.");
                    var data = new float[count];
                    for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(all.AsSpan((int)(dataStart + offs[0] + i * 4), 4));
                    result[p.Name] = new Entry(p.Name, shape, data);
                }
                catch (KeyNotFoundException) { throw new CheckpointException($"{path}: tensor '{p.Name}' lacks dtype, shape or data_offsets."); }
                catch (InvalidOperationException) { throw new CheckpointException($"{path}: tensor '{p.Name}' has a malformed header entry."); }
            }
            return result;
        }
    }
}
