using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace NodeAgent.Aws;

/// <summary>
/// Signs the HTTP requests of the AWS APIs the agent speaks without an SDK client (Route 53, Auto Scaling; their SDK
/// packages are not available here) with Signature Version 4, through AWSSDK.Core's <b>public</b> signing API
/// (<see cref="AWSSigV4Signer"/> in <c>Amazon.Runtime.Signing</c>, public in AWSSDK.Core 4.1). The SDK builds the
/// canonical request, derives the key and computes the signature; this class only hands it the request and copies the
/// headers it returns (<c>Authorization</c>, <c>X-Amz-Date</c>, <c>X-Amz-Content-SHA256</c>, and
/// <c>X-Amz-Security-Token</c> with temporary credentials) onto the message. Nothing here touches an <c>Internal</c>
/// namespace, so a package upgrade cannot break it silently (docs/install.md, "Signing").
/// </summary>
public static class AwsRequestSigner
{
    /// <summary>Signs <paramref name="request"/>, whose body is <paramref name="body"/>, for <paramref name="service"/> in <paramref name="region"/> at <paramref name="now"/>.</summary>
    public static async Task SignAsync(
        HttpRequestMessage request, byte[] body, AWSCredentials credentials, string region, string service, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var signing = new AWSSigningRequest
        {
            HttpMethod = request.Method,
            RequestUri = request.RequestUri ?? throw new ArgumentException("request has no URI", nameof(request)),
            Content = body,
        };
        if (request.Content?.Headers.ContentType is { } contentType)
        {
            signing.Headers["Content-Type"] = contentType.ToString();
        }

        var parameters = new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.GetBySystemName(region),
            Service = service,
            SignPayload = true,
            SignedAt = now.UtcDateTime,
        };
        var signed = await AWSSigV4Signer.SignAsync(signing, parameters, cancellationToken);
        foreach (var (name, value) in signed.Headers)
        {
            if (!string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}
