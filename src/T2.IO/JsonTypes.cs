using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace T2.IO;

/// <summary>
/// The typed metadata of <typeparamref name="T"/> under options whose resolver is a source-generated context: the
/// serializer overloads that take it need no reflection, so the same call works in a NativeAOT build.
/// </summary>
public static class JsonTypes
{
    public static JsonTypeInfo<T> Of<T>(JsonSerializerOptions options) =>
        (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
