using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using MimeKit;

namespace NodeAgent.Bootstrap;

/// <summary>
/// Unwraps raw user-data into the agent's YAML/JSON text. Handles, in any nesting up to a few levels: base64, gzip,
/// and cloud-init multipart MIME, where the agent's part is the one with <c>Content-Type: text/x-nodeagent</c>
/// (other parts — cloud-config, shell scripts — belong to cloud-init and are ignored, whatever bytes they hold).
/// A gzip layer must end cleanly (its CRC and size trailer must match what came out), so a truncated file cannot pass
/// with part of its content. Every failure is a <see cref="UserDataFormatException"/> naming what is wrong.
/// </summary>
public static class UserDataDecoder
{
    /// <summary>The MIME type that marks the agent's part of a multipart user-data document.</summary>
    public const string AgentContentType = "text/x-nodeagent";

    /// <summary>Decompressed user-data larger than this is refused (EC2 itself caps user-data at 16 KB raw).</summary>
    public const int MaxDecodedBytes = 1024 * 1024;

    /// <summary>Stored (possibly base64-encoded) user-data larger than this is refused before it is read.</summary>
    public const int MaxRawBytes = 2 * MaxDecodedBytes;

    /// <summary>Levels of wrapping (base64, gzip, multipart) the decoder unwraps, as docs/user-data.md promises.</summary>
    public const int MaxDepth = 4;

    public static string Decode(ReadOnlySpan<byte> raw)
    {
        try
        {
            return Decode(raw.ToArray(), 0);
        }
        catch (Exception ex) when (ex is not UserDataFormatException and not OutOfMemoryException)
        {
            // Any other exception a decoder throws on hostile bytes is a rejection with its reason, never a crash.
            throw new UserDataFormatException($"user-data cannot be decoded: {ex.Message}");
        }
    }

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

        if (data.Length > MaxRawBytes)
        {
            throw new UserDataFormatException($"user-data is {data.Length} bytes; at most {MaxDecodedBytes} decoded bytes are accepted");
        }

        if (IsGzip(data))
        {
            return Decode(Gunzip(data), depth + 1);
        }

        // MIME is recognised from its first header line before any UTF-8 check: cloud-init's other parts may hold
        // bytes that are not UTF-8, and they are not ours to judge.
        if (LooksLikeMime(data))
        {
            return Decode(ExtractAgentPart(data), depth + 1);
        }

        var text = ToText(data);
        if (TryBase64(text.TrimStart(), out var decoded))
        {
            return Decode(decoded, depth + 1);
        }

        if (data.Length > MaxDecodedBytes)
        {
            throw new UserDataFormatException($"decoded user-data is {data.Length} bytes; at most {MaxDecodedBytes} are accepted");
        }

        return text;
    }

    private static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1f && data[1] == 0x8b;

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

            var result = output.ToArray();
            CheckTrailer(data, result);
            return result;
        }
        catch (InvalidDataException ex)
        {
            throw new UserDataFormatException($"user-data starts like gzip but is not valid gzip: {ex.Message}");
        }
    }

    /// <summary>
    /// A gzip stream cut short decompresses to a prefix without an error. Its last eight bytes must be the CRC-32 and
    /// length of everything that came out (one gzip member, as gzip and cloud-init write it).
    /// </summary>
    private static void CheckTrailer(byte[] compressed, byte[] output)
    {
        if (compressed.Length < 18)
        {
            throw new UserDataFormatException("gzip user-data is truncated: it is shorter than a gzip header and trailer");
        }

        var trailer = compressed.AsSpan(compressed.Length - 8);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (size != (uint)output.Length || crc != Crc32.HashToUInt32(output))
        {
            throw new UserDataFormatException(
                $"gzip user-data is truncated or damaged: it does not end with the checksum and length of its {output.Length} decompressed bytes");
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

    private static bool LooksLikeMime(byte[] data)
    {
        var start = 0;
        while (start < data.Length && data[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        var head = Encoding.ASCII.GetString(data, start, Math.Min(16, data.Length - start));
        return head.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)
               || head.StartsWith("MIME-Version:", StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] ExtractAgentPart(byte[] data)
    {
        MimeEntity entity;
        try
        {
            entity = MimeEntity.Load(new ParserOptions { MaxMimeDepth = MaxDepth * 2 }, new MemoryStream(data));
        }
        catch (Exception ex) when (ex is FormatException or ParseException or InvalidOperationException or ArgumentException)
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
        if (content.Length > MaxDecodedBytes)
        {
            throw new UserDataFormatException($"the {AgentContentType} part is {content.Length} bytes; at most {MaxDecodedBytes} are accepted");
        }

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
    /// Base64 is recognised only when the whole text is base64 and the result is gzip, MIME, base64 again (nesting, up
    /// to <see cref="MaxDepth"/> levels in all) or UTF-8 text that looks like a document: a YAML document that happens
    /// to be one base64-looking word stays as it is.
    /// </summary>
    private static bool TryBase64(string text, out byte[] decoded)
    {
        decoded = [];
        if (!LooksLikeBase64(text))
        {
            return false;
        }

        var compact = Compact(text);

        try
        {
            decoded = Convert.FromBase64String(compact);
        }
        catch (FormatException)
        {
            return false;
        }

        if (IsGzip(decoded) || LooksLikeMime(decoded))
        {
            return true;
        }

        try
        {
            var inner = new UTF8Encoding(false, true).GetString(decoded);
            return inner.Contains(':') || inner.TrimStart().StartsWith('{') || LooksLikeBase64(inner);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static string Compact(string text) => text.Replace("\r", string.Empty).Replace("\n", string.Empty).Trim();

    private static bool LooksLikeBase64(string text)
    {
        var compact = Compact(text);
        return compact.Length >= 8 && compact.Length % 4 == 0 && compact.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=');
    }
}
