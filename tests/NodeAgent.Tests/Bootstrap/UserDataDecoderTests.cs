using System.IO.Compression;
using System.Text;
using NodeAgent.Bootstrap;

namespace NodeAgent.Tests.Bootstrap;

public sealed class UserDataDecoderTests
{
    private const string Yaml = "version: 1\nrole: web\ncluster: demo\n";
    private const string Json = """{"version": 1, "role": "web", "cluster": "demo"}""";

    [Fact]
    public void Decode_PlainYaml_ReturnsItUnchanged()
        => Assert.Equal(Yaml, UserDataDecoder.Decode(Encoding.UTF8.GetBytes(Yaml)));

    [Fact]
    public void Decode_PlainJson_ReturnsItUnchanged()
        => Assert.Equal(Json, UserDataDecoder.Decode(Encoding.UTF8.GetBytes(Json)));

    [Fact]
    public void Decode_Base64_Unwraps()
        => Assert.Equal(Yaml, UserDataDecoder.Decode(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(Yaml)))));

    [Fact]
    public void Decode_Base64WithLineBreaks_Unwraps()
    {
        var b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Yaml + "# padding so the base64 spans lines ............\n"), Base64FormattingOptions.InsertLineBreaks);

        Assert.StartsWith(Yaml, UserDataDecoder.Decode(Encoding.ASCII.GetBytes(b64)));
    }

    [Fact]
    public void Decode_Gzip_Unwraps()
        => Assert.Equal(Json, UserDataDecoder.Decode(Gzip(Encoding.UTF8.GetBytes(Json))));

    [Fact]
    public void Decode_Base64OfGzip_Unwraps()
        => Assert.Equal(Yaml, UserDataDecoder.Decode(Encoding.ASCII.GetBytes(Convert.ToBase64String(Gzip(Encoding.UTF8.GetBytes(Yaml))))));

    [Fact]
    public void Decode_MultipartWithCloudInitParts_PicksTheAgentPart()
    {
        var mime = Multipart(
            ("text/cloud-config", "#cloud-config\npackages: [nginx]\n", null),
            ("text/x-shellscript", "#!/bin/sh\necho hello\n", null),
            ("text/x-nodeagent", Yaml, null));

        Assert.Equal(Yaml, UserDataDecoder.Decode(Encoding.UTF8.GetBytes(mime)).Replace("\r\n", "\n"));
    }

    [Fact]
    public void Decode_MultipartWithBase64EncodedAgentPart_DecodesThePart()
    {
        var mime = Multipart(
            ("text/cloud-config", "#cloud-config\n", null),
            ("text/x-nodeagent", Convert.ToBase64String(Encoding.UTF8.GetBytes(Yaml)), "base64"));

        Assert.Equal(Yaml, UserDataDecoder.Decode(Encoding.UTF8.GetBytes(mime)));
    }

    [Fact]
    public void Decode_GzippedMultipart_Unwraps()
    {
        var mime = Multipart(("text/x-shellscript", "#!/bin/sh\n", null), ("text/x-nodeagent", Json, null));

        Assert.Equal(Json, UserDataDecoder.Decode(Gzip(Encoding.UTF8.GetBytes(mime))).Trim());
    }

    [Fact]
    public void Decode_MultipartWithoutAgentPart_SaysWhichPartsItFound()
    {
        var mime = Multipart(("text/cloud-config", "#cloud-config\n", null), ("text/x-shellscript", "#!/bin/sh\n", null));

        var ex = Assert.Throws<UserDataFormatException>(() => UserDataDecoder.Decode(Encoding.UTF8.GetBytes(mime)));

        Assert.Contains("no part has Content-Type text/x-nodeagent", ex.Message);
        Assert.Contains("text/cloud-config", ex.Message);
        Assert.Contains("text/x-shellscript", ex.Message);
    }

    [Fact]
    public void Decode_MultipartWithTwoAgentParts_IsRefused()
    {
        var mime = Multipart(("text/x-nodeagent", Yaml, null), ("text/x-nodeagent", Json, null));

        var ex = Assert.Throws<UserDataFormatException>(() => UserDataDecoder.Decode(Encoding.UTF8.GetBytes(mime)));

        Assert.Contains("exactly one is allowed", ex.Message);
    }

    [Fact]
    public void Decode_CorruptGzip_SaysItIsNotValidGzip()
    {
        var bytes = Gzip(Encoding.UTF8.GetBytes(Yaml));
        bytes[12] ^= 0xff;
        bytes[^5] ^= 0xff;

        var ex = Assert.Throws<UserDataFormatException>(() => UserDataDecoder.Decode(bytes));

        Assert.Contains("gzip", ex.Message);
    }

    [Fact]
    public void Decode_GzipBomb_IsRefused()
    {
        var huge = Gzip(new byte[UserDataDecoder.MaxDecodedBytes + 1024]);

        var ex = Assert.Throws<UserDataFormatException>(() => UserDataDecoder.Decode(huge));

        Assert.Contains("expands beyond", ex.Message);
    }

    [Fact]
    public void Decode_BinaryGarbage_IsRefused()
    {
        var ex = Assert.Throws<UserDataFormatException>(() => UserDataDecoder.Decode(new byte[] { 0xff, 0xfe, 0x00, 0x81 }));

        Assert.Contains("neither gzip nor valid UTF-8", ex.Message);
    }

    [Fact]
    public void Decode_AYamlWordThatLooksLikeBase64_IsLeftAlone()
    {
        const string text = "version: 1\n";

        Assert.Equal(text, UserDataDecoder.Decode(Encoding.UTF8.GetBytes(text)));
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    internal static string Multipart(params (string Type, string Body, string? Encoding)[] parts)
    {
        const string boundary = "==BOUNDARY-4c1a881b==";
        var text = new StringBuilder();
        text.Append($"Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n");
        foreach (var (type, body, encoding) in parts)
        {
            text.Append($"--{boundary}\nContent-Type: {type}; charset=\"utf-8\"\nMIME-Version: 1.0\n");
            if (encoding is not null)
            {
                text.Append($"Content-Transfer-Encoding: {encoding}\n");
            }

            text.Append($"Content-Disposition: attachment; filename=\"part\"\n\n{body}\n");
        }

        text.Append($"--{boundary}--\n");
        return text.ToString();
    }
}
