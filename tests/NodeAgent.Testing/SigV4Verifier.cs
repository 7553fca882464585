using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace NodeAgent.Testing;

/// <summary>
/// The stand-ins' own SigV4 check (Route 53, Auto Scaling), written from the specification independently of the
/// SDK's signer the agent uses: canonical request, string to sign, derived key, signature, credential scope, payload
/// hash. A mismatch names what differed and shows the canonical request.
/// </summary>
public static partial class SigV4Verifier
{
    /// <summary>An independent SigV4 check: canonical request, string to sign, derived key, signature. Null when it verifies.</summary>
    public static string? Verify(RecordedRequest request, byte[] body, string expectedAccessKey, string secretKey, string expectedRegion, string expectedService)
    {
        if (!request.Headers.TryGetValue("authorization", out var authorization))
        {
            return "no Authorization header";
        }

        var match = Authorization().Match(authorization);
        if (!match.Success)
        {
            return $"Authorization is not AWS4-HMAC-SHA256: {authorization}";
        }

        var (accessKey, date, region, service, signedHeaders, signature) =
            (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value, match.Groups["headers"].Value, match.Groups["sig"].Value);
        if (accessKey != expectedAccessKey || region != expectedRegion || service != expectedService)
        {
            return $"credential scope {accessKey}/{region}/{service} is not {expectedAccessKey}/{expectedRegion}/{expectedService}";
        }

        if (!request.Headers.TryGetValue("x-amz-date", out var amzDate) || !amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            return "X-Amz-Date is missing or does not match the credential date";
        }

        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (request.Headers.GetValueOrDefault("x-amz-content-sha256") != payloadHash)
        {
            return "X-Amz-Content-SHA256 does not match the body";
        }

        var names = signedHeaders.Split(';');
        if (!names.Contains("host") || !names.Contains("x-amz-date"))
        {
            return "host and x-amz-date must be signed";
        }

        var query = string.Join('&', request.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)
            .Select(p => $"{p.Item1}={p.Item2}"));
        var canonical = $"{request.Method}\n{request.Path}\n{query}\n"
            + string.Concat(names.Select(n => $"{n}:{request.Headers.GetValueOrDefault(n)?.Trim()}\n"))
            + $"\n{signedHeaders}\n{payloadHash}";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{date}/{region}/{service}/aws4_request\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return expected == signature ? null : $"signature does not match; canonical request was:\n{canonical}";
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<sig>[0-9a-f]{64})$")]
    private static partial Regex Authorization();
}
