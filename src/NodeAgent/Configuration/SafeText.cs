using System.Globalization;
using System.Text;

namespace NodeAgent.Configuration;

/// <summary>
/// Character-level checks for untrusted text: control characters (C0, DEL, C1), Unicode line and paragraph separators
/// and unpaired surrogates are refused in every value that can reach a file, a command, a log line or a socket; and
/// <see cref="Escape"/> makes any text safe to print in an error message.
/// </summary>
public static class SafeText
{
    /// <summary>The index of the first character that may not appear in a value, or -1 when there is none.</summary>
    public static int FindUnsafe(string value, bool allowNewlines = false)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (allowNewlines && c is '\n' or '\t')
            {
                continue;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\uFEFF')
            {
                return i;
            }
        }

        return -1;
    }

    public static bool IsSafe(string? value, bool allowNewlines = false) => value is not null && FindUnsafe(value, allowNewlines) < 0;

    /// <summary>True when every character is printable ASCII (space to '~').</summary>
    public static bool IsPrintableAscii(string? value) => value is not null && value.All(c => c is >= ' ' and <= '~');

    /// <summary>Why <paramref name="value"/> is refused, naming the character and its position; null when it is fine.</summary>
    public static string? Problem(string value, bool allowNewlines = false)
    {
        var at = FindUnsafe(value, allowNewlines);
        return at < 0 ? null : $"contains {Describe(value[at])} at position {at + 1}; control characters are not allowed";
    }

    /// <summary>Text safe to print on one line: control and non-ASCII characters become escapes, long text is cut.</summary>
    public static string Escape(string? value, int max = 60)
    {
        value ??= string.Empty;
        var text = new StringBuilder();
        foreach (var c in value)
        {
            if (text.Length >= max)
            {
                text.Append("...");
                break;
            }

            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\\' => "\\\\",
                _ when c is >= ' ' and <= '~' => c.ToString(),
                _ => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
            });
        }

        return text.ToString();
    }

    private static string Describe(char c) => c switch
    {
        '\n' => "a newline (\\n)",
        '\r' => "a carriage return (\\r)",
        '\t' => "a tab (\\t)",
        '\0' => "a NUL character",
        _ => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
    };
}
