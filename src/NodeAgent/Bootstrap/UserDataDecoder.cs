using System.IO.Compression;
using System.Text;
using MimeKit;

namespace NodeAgent.Bootstrap;

/// <summary>
/// Unwraps raw user-data into the agent's YAML/JSON text. Handles, in any nesting up to a few levels: base64, gzip,
/// and cloud-init multipart MIME, where the agent's part is the one with <c>Content-Type: text/x-nodeagent</c>
/// (other parts — cloud-config, shell scripts — belong to cloud-init and are ignored).
/// </summary>
public static class UserDataDecoder
{
    /// <summary>The MIME type that marks the agent's part of a multipart user-data document.</summary>
    public const string AgentContentType = "text/x-nodeagent";

    /// <summary>Decompressed user-data larger than this is refused (EC2 itself caps user-data at 16 KB raw).</summary>
    public const int MaxDecodedBytes = 1024 * 1024;

    private const int MaxDepth = 4;

    public static string Decode(ReadOnlySpan<byte> raw) => Decode(raw.ToArray(), 0);

    private static string Decode(byte[] data, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new UserDataFormatException($"user-data is wrapped more than {MaxDepth} levels deep (base64/gzip/multipart)");
        }

        if (data.Length == 0)
        {
            throw new UserDataFormatException("user-data is empty");
        }

        if (data.Length >= 2 && data[0] == 0x1f && data[1] == 0x8b)
        {
            return Decode(Gunzip(data), depth + 1);
        }

        var text = ToText(data);
        var trimmed = text.TrimStart();
        if (LooksLikeMime(trimmed))
        {
            return Decode(ExtractAgentPart(data), depth + 1);
        }

        if (TryBase64(trimmed, out var decoded))
        {
            return Decode(decoded, depth + 1);
        }

        return text;
    }

    private static byte[] Gunzip(byte[] data)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
                if (output.Length > MaxDecodedBytes)
                {
                    throw new UserDataFormatException($"gzip user-data expands beyond {MaxDecodedBytes} bytes");
                }
            }

            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new UserDataFormatException($"user-data starts like gzip but is not valid gzip: {ex.Message}");
        }
    }

    private static string ToText(byte[] data)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            throw new UserDataFormatException("user-data is neither gzip nor valid UTF-8 text");
        }
    }

    private static bool LooksLikeMime(string text)
        => text.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)
           || text.StartsWith("MIME-Version:", StringComparison.OrdinalIgnoreCase);

    private static byte[] ExtractAgentPart(byte[] data)
    {
        MimeEntity entity;
        try
        {
            entity = MimeEntity.Load(new MemoryStream(data));
        }
        catch (FormatException ex)
        {
            throw new UserDataFormatException($"user-data looks like MIME but cannot be parsed: {ex.Message}");
        }

        var parts = entity is Multipart multipart ? multipart.Flatten() : [entity];
        var agentParts = parts.OfType<MimePart>()
            .Where(p => p.ContentType.MimeType.Equals(AgentContentType, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (agentParts.Count == 0)
        {
            var found = string.Join(", ", parts.Select(p => p.ContentType.MimeType).Distinct());
            throw new UserDataFormatException(
                $"user-data is a MIME document but no part has Content-Type {AgentContentType} (found: {found})");
        }

        if (agentParts.Count > 1)
        {
            throw new UserDataFormatException($"user-data has {agentParts.Count} parts of type {AgentContentType}; exactly one is allowed");
        }

        using var content = new MemoryStream();
        var body = agentParts[0].Content ?? throw new UserDataFormatException($"the {AgentContentType} part of the user-data is empty");
        body.DecodeTo(content);
        return content.ToArray();
    }

    private static IEnumerable<MimeEntity> Flatten(this Multipart multipart)
    {
        foreach (var child in multipart)
        {
            if (child is Multipart nested)
            {
                foreach (var inner in nested.Flatten())
                {
                    yield return inner;
                }
            }
            else
            {
                yield return child;
            }
        }
    }

    /// <summary>
    /// Base64 is recognised only when the whole text is base64 and the result is gzip or UTF-8 text: a YAML document
    /// that happens to be one base64-looking word stays as it is.
    /// </summary>
    private static bool TryBase64(string text, out byte[] decoded)
    {
        decoded = [];
        var compact = text.Replace("\r", string.Empty).Replace("\n", string.Empty).Trim();
        if (compact.Length < 8 || compact.Length % 4 != 0 || compact.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')))
        {
            return false;
        }

        try
        {
            decoded = Convert.FromBase64String(compact);
        }
        catch (FormatException)
        {
            return false;
        }

        if (decoded.Length >= 2 && decoded[0] == 0x1f && decoded[1] == 0x8b)
        {
            return true;
        }

        try
        {
            var inner = new UTF8Encoding(false, true).GetString(decoded);
            return inner.Contains(':') || inner.TrimStart().StartsWith('{');
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
