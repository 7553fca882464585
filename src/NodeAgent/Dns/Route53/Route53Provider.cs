using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using Polly;

namespace NodeAgent.Dns.Route53;

/// <summary>
/// Amazon Route 53 over its REST API (2013-04-01), signed with SigV4 (AWSSDK.Route53 is not available here). The
/// compare-and-swap is one <c>ChangeResourceRecordSets</c> batch: <c>DELETE</c> of the exact old record set (name,
/// type, TTL and every value must match) plus <c>CREATE</c> of the new one. Route 53 applies a batch all or nothing;
/// a mismatch fails the whole batch with <c>InvalidChangeBatch</c>, which is the failed precondition. Throttling,
/// <c>PriorRequestNotComplete</c>, 5xx and network errors are retried with the shared jittered backoff (aws.retry).
/// Not run against live AWS: only against the loopback stand-in in the tests (see docs/dns.md).
/// </summary>
public sealed partial class Route53Provider : IDnsProvider, IDisposable
{
    public const string ApiVersion = "2013-04-01";
    public static readonly XNamespace Xmlns = $"https://route53.amazonaws.com/doc/{ApiVersion}/";
    private static readonly Uri DefaultEndpoint = new("https://route53.amazonaws.com/");

    private readonly Route53Config _config;
    private readonly AwsSection _aws;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AwsRequestCounter? _counter;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly Uri _endpoint;
    private AWSCredentials? _credentials;

    public Route53Provider(string zone, Route53Config config, AwsSection aws, TimeSpan timeout, TimeProvider time, ILogger<Route53Provider> logger, AwsRequestCounter? counter = null)
    {
        Zone = zone.TrimEnd('.').ToLowerInvariant();
        _config = config;
        _aws = aws;
        _time = time;
        _logger = logger;
        _counter = counter;
        _endpoint = config.Endpoint ?? DefaultEndpoint;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout }) { Timeout = timeout };
        _retry = AwsResilience.Create(aws.Retry, logger);
    }

    public string Zone { get; }

    public string Description => $"route53 hosted zone {_config.HostedZoneId} ({_endpoint.Host})";

    public async Task<DnsRecordSet> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var fqdn = Fqdn(name);
        var query = $"name={Uri.EscapeDataString(fqdn)}&maxitems=20";
        var body = await SendAsync(HttpMethod.Get, $"rrset?{query}", null, "ListResourceRecordSets", cancellationToken);
        XDocument document;
        try
        {
            document = XDocument.Parse(body);
        }
        catch (System.Xml.XmlException ex)
        {
            throw new DnsProviderException(DnsFailure.Protocol, $"Route 53 ListResourceRecordSets answered something that is not XML: {ex.Message}", ex);
        }

        var sets = document.Root?.Element(Xmlns + "ResourceRecordSets")?.Elements(Xmlns + "ResourceRecordSet") ?? [];
        var addresses = new List<IPAddress>();
        var texts = new List<string>();
        var ttl = 0;
        foreach (var set in sets)
        {
            if (!string.Equals(set.Element(Xmlns + "Name")?.Value, fqdn, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = set.Element(Xmlns + "ResourceRecords")?.Elements(Xmlns + "ResourceRecord").Select(r => r.Element(Xmlns + "Value")?.Value ?? string.Empty) ?? [];
            switch (set.Element(Xmlns + "Type")?.Value)
            {
                case "A":
                    addresses.AddRange(values.Select(v => IPAddress.TryParse(v, out var a) ? a
                        : throw new DnsProviderException(DnsFailure.Protocol, $"Route 53 returned an A record for {fqdn} that is not an address: '{v}'")));
                    break;
                case "TXT":
                    texts.AddRange(values.Select(UnquoteTxt));
                    break;
                default:
                    continue;
            }

            ttl = ttl == 0 && int.TryParse(set.Element(Xmlns + "TTL")?.Value, CultureInfo.InvariantCulture, out var t) ? t : ttl;
        }

        return new DnsRecordSet { Addresses = addresses, Texts = texts, Ttl = ttl };
    }

    public async Task<DnsUpdateResult> UpdateAsync(DnsUpdate update, CancellationToken cancellationToken)
    {
        var fqdn = Fqdn(update.Name);
        var changes = new List<XElement>();
        var desired = update.Desired;
        switch (update.Precondition.Kind)
        {
            case DnsPreconditionKind.None:
                // Unconditional: UPSERT what is wanted, DELETE (exactly) what is there but not wanted.
                var current = desired.Addresses.Count > 0 && desired.Texts.Count > 0 ? DnsRecordSet.Empty : await ReadAsync(update.Name, cancellationToken);
                AddUnconditional(changes, fqdn, "A", current.Addresses.Select(a => a.ToString()).ToList(), desired.Addresses.Select(a => a.ToString()).ToList(), current.Ttl, update.Ttl);
                AddUnconditional(changes, fqdn, "TXT", current.Texts.Select(QuoteTxt).ToList(), desired.Texts.Select(QuoteTxt).ToList(), current.Ttl, update.Ttl);
                break;
            case DnsPreconditionKind.Absent:
                // CREATE fails when the record set exists: that is the "not in use" check (per type, see docs/dns.md).
                AddChange(changes, "CREATE", fqdn, "A", desired.Addresses.Select(a => a.ToString()).ToList(), update.Ttl);
                AddChange(changes, "CREATE", fqdn, "TXT", desired.Texts.Select(QuoteTxt).ToList(), update.Ttl);
                break;
            case DnsPreconditionKind.Exactly:
                var expected = update.Precondition.Expected!;
                AddChange(changes, "DELETE", fqdn, "A", expected.Addresses.Select(a => a.ToString()).ToList(), expected.Ttl);
                AddChange(changes, "CREATE", fqdn, "A", desired.Addresses.Select(a => a.ToString()).ToList(), update.Ttl);
                AddChange(changes, "DELETE", fqdn, "TXT", expected.Texts.Select(QuoteTxt).ToList(), expected.Ttl);
                AddChange(changes, "CREATE", fqdn, "TXT", desired.Texts.Select(QuoteTxt).ToList(), update.Ttl);
                break;
        }

        if (changes.Count == 0)
        {
            return DnsUpdateResult.Applied;
        }

        var document = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement(Xmlns + "ChangeResourceRecordSetsRequest",
                new XElement(Xmlns + "ChangeBatch",
                    new XElement(Xmlns + "Comment", "nodeagent"),
                    new XElement(Xmlns + "Changes", changes))));
        try
        {
            await SendAsync(HttpMethod.Post, "rrset/", Encoding.UTF8.GetBytes(document.Declaration + document.ToString(SaveOptions.DisableFormatting)), "ChangeResourceRecordSets", cancellationToken);
        }
        catch (DnsProviderException ex) when (ex.InnerException is AmazonServiceException { ErrorCode: "InvalidChangeBatch" } invalid && IsMismatch(invalid.Message))
        {
            LogPreconditionFailed(_logger, fqdn, invalid.Message);
            return DnsUpdateResult.PreconditionFailed;
        }

        return DnsUpdateResult.Applied;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The messages Route 53 gives when a DELETE does not match or a CREATE finds the set already there.</summary>
    private static bool IsMismatch(string message)
        => message.Contains("but it was not found", StringComparison.OrdinalIgnoreCase)
           || message.Contains("values provided do not match", StringComparison.OrdinalIgnoreCase)
           || message.Contains("but it already exists", StringComparison.OrdinalIgnoreCase);

    private static void AddUnconditional(List<XElement> changes, string fqdn, string type, IReadOnlyList<string> current, IReadOnlyList<string> desired, int currentTtl, int ttl)
    {
        if (desired.Count > 0)
        {
            AddChange(changes, "UPSERT", fqdn, type, desired, ttl);
        }
        else if (current.Count > 0)
        {
            AddChange(changes, "DELETE", fqdn, type, current, currentTtl);
        }
    }

    private static void AddChange(List<XElement> changes, string action, string fqdn, string type, IReadOnlyList<string> values, int ttl)
    {
        if (values.Count == 0)
        {
            return;
        }

        changes.Add(new XElement(Xmlns + "Change",
            new XElement(Xmlns + "Action", action),
            new XElement(Xmlns + "ResourceRecordSet",
                new XElement(Xmlns + "Name", fqdn),
                new XElement(Xmlns + "Type", type),
                new XElement(Xmlns + "TTL", ttl.ToString(CultureInfo.InvariantCulture)),
                new XElement(Xmlns + "ResourceRecords", values.Select(v => new XElement(Xmlns + "ResourceRecord", new XElement(Xmlns + "Value", v)))))));
    }

    private async Task<string> SendAsync(HttpMethod method, string relative, byte[]? body, string operation, CancellationToken cancellationToken)
    {
        var uri = new Uri(_endpoint, $"{ApiVersion}/hostedzone/{_config.HostedZoneId}/{relative}");
        try
        {
            return await _retry.ExecuteAsync(async ct =>
            {
                var credentials = Credentials();
                using var request = new HttpRequestMessage(method, uri);
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                }

                await AwsRequestSigner.SignAsync(request, body ?? [], credentials, SigningRegion, "route53", _time.GetUtcNow(), ct);
                _counter?.Count("route53", operation);
                using var response = await _http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                return response.IsSuccessStatusCode ? text : throw ParseError(response.StatusCode, text, response.Headers);
            }, cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            throw new DnsProviderException(Classify(ex), $"Route 53 {operation} on hosted zone {_config.HostedZoneId} failed: {ex.ErrorCode}: {ex.Message}", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new DnsProviderException(DnsFailure.Authentication, $"Route 53 {operation}: no usable AWS credentials (aws.credentials or the default chain): {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new DnsProviderException(DnsFailure.Unreachable, $"Route 53 {operation}: cannot reach {_endpoint}: {ex.Message}", ex);
        }
    }

    private static DnsFailure Classify(AmazonServiceException ex) => ex.ErrorCode switch
    {
        "Throttling" or "PriorRequestNotComplete" => DnsFailure.Throttled,
        "SignatureDoesNotMatch" or "InvalidClientTokenId" or "IncompleteSignature" or "MissingAuthenticationToken" or "ExpiredToken" => DnsFailure.Authentication,
        _ when (int)ex.StatusCode >= 500 => DnsFailure.ServerError,
        _ => DnsFailure.Refused,
    };

    /// <summary>Route 53 errors come as <c>ErrorResponse/Error/{Code,Message}</c> or, for bad batches, <c>InvalidChangeBatch/Messages/Message</c>.</summary>
    private static AmazonServiceException ParseError(HttpStatusCode status, string body, HttpResponseHeaders headers)
    {
        string code = $"Http{(int)status}";
        var message = body.Length > 300 ? body[..300] : body;
        try
        {
            var root = XDocument.Parse(body).Root;
            if (root?.Name.LocalName == "InvalidChangeBatch")
            {
                code = "InvalidChangeBatch";
                message = string.Join("; ", root.Descendants().Where(e => e.Name.LocalName == "Message").Select(e => e.Value));
            }
            else if (root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code") is { } codeElement)
            {
                code = codeElement.Value;
                message = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? message;
            }
        }
        catch (System.Xml.XmlException)
        {
            // Not XML (a proxy's error page): keep the status code and the text.
        }

        var requestId = headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        return new AmazonServiceException(message, null, (int)status >= 500 ? ErrorType.Receiver : ErrorType.Sender, code, requestId, status);
    }

    /// <summary><c>aws.credentials</c>, else the SDK's default chain (the instance profile); the signer refreshes them as they expire.</summary>
    private AWSCredentials Credentials() => _credentials ??= AwsClientFactory.ResolveCredentials(_aws);

    /// <summary>Route 53 is a global service signed in us-east-1 (aws partition).</summary>
    private static string SigningRegion => "us-east-1";

    private string Fqdn(string name)
    {
        var n = name.TrimEnd('.').ToLowerInvariant();
        return n == Zone || n.EndsWith("." + Zone, StringComparison.Ordinal)
            ? n + "."
            : throw new DnsProviderException(DnsFailure.Refused, $"{name} is not inside zone {Zone}");
    }

    /// <summary>Route 53 wants TXT values as quoted character strings: "text", with '"' and '\' escaped.</summary>
    internal static string QuoteTxt(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Joins the quoted character strings of a TXT value back into one text.</summary>
    internal static string UnquoteTxt(string value)
    {
        var result = new StringBuilder();
        var inQuotes = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c == '\\' && i + 1 < value.Length)
            {
                result.Append(value[++i]);
            }
            else if (inQuotes || !char.IsWhiteSpace(c))
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    [LoggerMessage(EventId = 5070, Level = LogLevel.Debug, Message = "Route 53 change of {Name} not applied, precondition failed: {Reason}")]
    private static partial void LogPreconditionFailed(ILogger logger, string name, string reason);
}
