using System.Text.Json;
using System.Text.RegularExpressions;

namespace T2.IO;

/// <summary>
/// System.Text.Json's deserialisation errors in words a user can act on: "could not be converted to
/// System.Collections.Generic.List`1[System.Double]" becomes "must be a list of numbers", a 100000.0 read into a whole
/// number "must be a whole number (no point or exponent)". Depth beyond the bound (64 levels, the serializer's default)
/// is said as such.
/// </summary>
public static partial class JsonErrors
{
    /// <summary>The field ($.a.b[0] → a.b[0], "" for the whole document) and the problem, without a trailing period.</summary>
    public static (string Field, string Problem) Describe(JsonException e)
    {
        string field = e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "";
        string msg = e.Message;
        if (msg.Contains("could not be mapped", StringComparison.Ordinal)) return (field, "unknown field");
        if (msg.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase) || msg.Contains("depth of", StringComparison.OrdinalIgnoreCase))
            return (field, "nested deeper than 64 levels");
        // A parameterised record reports itself as the type it could not build; the inner exception says what the value
        // should have been ("… out of bounds for an Int64", "Cannot get the value of a token type 'String' as a number").
        var converted = ConvertedTo().Match(msg);
        if (converted.Success && converted.Groups[1].Value.StartsWith("System.", StringComparison.Ordinal))
            return (field, "must be " + Kind(converted.Groups[1].Value));
        if (e.InnerException is { } why)
        {
            string w = why.Message;
            if (w.Contains("Int64", StringComparison.Ordinal) || w.Contains("Int32", StringComparison.Ordinal) || w.Contains("UInt", StringComparison.Ordinal))
                return (field, "must be " + Kind("System.Int64"));
            if (w.Contains("as a number", StringComparison.Ordinal)) return (field, "must be a number");
            if (w.Contains("as a string", StringComparison.Ordinal)) return (field, "must be a string");
            if (w.Contains("as a boolean", StringComparison.Ordinal)) return (field, "must be true or false");
        }
        var m = ConvertedTo().Match(msg);
        if (m.Success) return (field, "must be " + Kind(m.Groups[1].Value));
        if (e.InnerException is { } inner) return (field, First(inner.Message));
        return (field, First(msg));
    }

    private static string Kind(string type)
    {
        string t = type.Replace("System.Nullable`1[", "").TrimEnd(']');
        if (t.StartsWith("System.Collections.Generic.List`1[", StringComparison.Ordinal) || t.EndsWith("[]", StringComparison.Ordinal)
            || t.StartsWith("System.Collections.Generic.IReadOnlyList`1[", StringComparison.Ordinal))
        {
            string inner = t[(t.IndexOf('[') + 1)..].TrimEnd(']').TrimEnd('[');
            return "a list of " + Plural(Kind(inner));
        }
        if (t.StartsWith("System.Collections.Generic.Dictionary`2[", StringComparison.Ordinal)) return "an object of named values";
        return t switch
        {
            "System.Int64" or "System.Int32" or "System.Int16" or "System.UInt64" or "System.UInt32" or "System.Byte"
                => "a whole number (no decimal point or exponent: 100000, not 100000.0 or 1e5)",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            _ => "an object",
        };
    }

    private static string Plural(string kind) => kind switch
    {
        "a number" => "numbers",
        "a string" => "strings",
        "true or false" => "true/false values",
        "an object" => "objects",
        _ when kind.StartsWith("a whole number", StringComparison.Ordinal) => "whole numbers",
        _ => kind,
    };

    private static string First(string message)
    {
        int i = message.IndexOf(". ", StringComparison.Ordinal);
        string s = (i > 0 ? message[..i] : message).Split('\n')[0].TrimEnd('.');
        int path = s.IndexOf(" Path:", StringComparison.Ordinal);
        return path > 0 ? s[..path] : s;
    }

    [GeneratedRegex(@"could not be converted to ([^ ]+?)\. Path", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertedTo();
}
