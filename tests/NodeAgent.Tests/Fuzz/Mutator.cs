using System.IO.Compression;
using System.Text;

namespace NodeAgent.Tests.Fuzz;

/// <summary>
/// Deterministic mutations of seed documents, for the fuzz properties: byte and character edits, tokens from the
/// grammars the agent reads (YAML tags, anchors, flow brackets, JSON escapes and numbers, names with a trailing
/// newline, non-ASCII digits, short IPv4 forms, huge sequences), and wrappers (gzip, base64, truncation). The same
/// (seed, number) always gives the same document, so a failure printed by CsCheck reproduces.
/// </summary>
internal static class Mutator
{
    private static readonly string[] Tokens =
    [
        "!!str ", "!!int ", "!ruby/object ", "&a ", "*a", "[", "]", "{", "}", "\n  - ", ": ", ", ", "? ", "--- ", "...", "#",
        "\"\\ud800\"", "\\ud800", "\\u0000", "\\n", "\n", "\r", "\t", "\u0000", "\u2028", "\u0663", "\uFF13", "\u00e9",
        "..", "../", "/", "-", "10", "2130706433", "127.1", "0x7f.0.0.1", "1:9780", "1.5", "1e400", "-1", "0",
        "9223372036854775807", "9007199254740993", "10000000000", "null", "true", "~", "\"\"", "''", "{}", "[]",
        "web-1\\n", "shop\n", "ed25519:AAAA", "::1", "[::1]:80", "%", "\\", "'", "\"", "`", "$", "$(id)",
    ];

    public static string Mutate(string seed, int number)
    {
        var rng = new Random(number);
        var text = new StringBuilder(seed);
        var edits = 1 + rng.Next(6);
        for (var i = 0; i < edits; i++)
        {
            var at = text.Length == 0 ? 0 : rng.Next(text.Length + 1);
            switch (rng.Next(9))
            {
                case 0:
                    text.Insert(at, Tokens[rng.Next(Tokens.Length)]);
                    break;
                case 1 when text.Length > 0:
                    text.Remove(Math.Min(at, text.Length - 1), Math.Min(1 + rng.Next(16), text.Length - Math.Min(at, text.Length - 1)));
                    break;
                case 2 when text.Length > 0:
                    var from = rng.Next(text.Length);
                    var length = Math.Min(1 + rng.Next(64), text.Length - from);
                    text.Insert(at, text.ToString(from, length));
                    break;
                case 3 when text.Length > 0:
                    text[Math.Min(at, text.Length - 1)] = (char)rng.Next(0, 0x3000);
                    break;
                case 4:
                    // A value at the end of a line gets a token appended (a trailing newline, a bracket, a tag…).
                    var eol = text.ToString().IndexOf('\n', Math.Min(at, text.Length));
                    text.Insert(eol < 0 ? text.Length : eol, Tokens[rng.Next(Tokens.Length)]);
                    break;
                case 5:
                    var depth = rng.Next(2, 200);
                    text.Insert(at, new string('[', depth) + new string(']', rng.Next(depth + 1)));
                    break;
                case 6:
                    // Replace a number with an extreme one.
                    var digit = IndexOfDigit(text, at);
                    if (digit >= 0)
                    {
                        text.Insert(digit, Tokens[rng.Next(35, 50)]);
                    }

                    break;
                default:
                    text.Insert(at, (char)rng.Next(0x20, 0x7f));
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Raw bytes of a mutated document, sometimes wrapped (gzip, base64, MIME) or cut short.</summary>
    public static byte[] MutateBytes(string seed, int number)
    {
        var rng = new Random(number ^ 0x5bd1e995);
        var bytes = Encoding.UTF8.GetBytes(Mutate(seed, number));
        switch (rng.Next(8))
        {
            case 0:
                bytes = Gzip(bytes);
                break;
            case 1:
                bytes = Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes));
                break;
            case 2:
                bytes = Gzip(bytes);
                bytes = bytes[..rng.Next(bytes.Length)];
                break;
            case 3:
                bytes = Encoding.UTF8.GetBytes("Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-nodeagent\n\n"
                    + Encoding.UTF8.GetString(bytes) + "\n--B--\n");
                break;
            case 4 when bytes.Length > 0:
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                break;
        }

        return bytes;
    }

    private static int IndexOfDigit(StringBuilder text, int from)
    {
        for (var i = Math.Min(from, text.Length); i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
