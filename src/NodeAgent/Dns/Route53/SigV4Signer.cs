using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace NodeAgent.Dns.Route53;

/// <summary>
/// Signs a REST request with AWS Signature Version 4 using AWSSDK.Core's signer (<see cref="AWS4Signer"/>): this class
/// only builds the canonical request (method, path, sorted query, signed headers, payload hash); the SDK derives the
/// signing key and computes the signature and the Authorization header.
/// </summary>
internal static class SigV4Signer
{
    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static void Sign(HttpRequestMessage request, byte[] body, ImmutableCredentials credentials, string region, string service, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("request has no URI", nameof(request));
        var signedAt = now.UtcDateTime;
        var payloadHash = Convert.ToHexStringLower(AWS4Signer.ComputeHash(body));
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}",
            ["x-amz-date"] = signedAt.ToString(DateFormat, CultureInfo.InvariantCulture),
            ["x-amz-content-sha256"] = payloadHash,
        };
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(CanonicalPath(uri)).Append('\n')
            .Append(CanonicalQuery(uri)).Append('\n');
        foreach (var (name, value) in headers)
        {
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var result = AWS4Signer.ComputeSignature(credentials, region, signedAt, service, signedHeaders, canonical.ToString());

        foreach (var (name, value) in headers)
        {
            if (name is not "host" and not "content-type")
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    /// <summary>Each path segment URI-encoded once (RFC 3986 unreserved characters stay as they are).</summary>
    internal static string CanonicalPath(Uri uri)
    {
        var path = uri.AbsolutePath;
        return path.Length == 0 ? "/" : string.Join('/', path.Split('/').Select(s => Uri.EscapeDataString(Uri.UnescapeDataString(s))));
    }

    /// <summary>Query parameters URI-encoded, sorted by name then value, joined with '&amp;'.</summary>
    internal static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', query.Split('&')
            .Select(pair => pair.Split('=', 2))
            .Select(kv => (Name: Uri.EscapeDataString(Uri.UnescapeDataString(kv[0])), Value: Uri.EscapeDataString(Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : string.Empty))))
            .OrderBy(kv => kv.Name, StringComparer.Ordinal)
            .ThenBy(kv => kv.Value, StringComparer.Ordinal)
            .Select(kv => $"{kv.Name}={kv.Value}"));
    }
}
