using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>
/// A small loopback stand-in for the Route 53 REST API (2013-04-01): one hosted zone held in memory,
/// <c>ListResourceRecordSets</c> and <c>ChangeResourceRecordSets</c> with Route 53's batch semantics (all or nothing;
/// CREATE fails when the set exists, DELETE unless name, type, TTL and values match). Every request must be signed
/// with SigV4 for service route53 in us-east-1; the stand-in recomputes the signature with its own implementation (<see cref="SigV4Verifier"/>) and
/// answers 403 SignatureDoesNotMatch when it differs. Requests whose shape is wrong get 400 with what was wrong, and
/// are listed in <see cref="ShapeErrors"/>. Tests can make the next calls fail with a given error code.
/// </summary>
public sealed partial class Route53StandIn : IAsyncDisposable
{
    public const string AccessKey = "AKIDSTANDIN";
    public const string SecretKey = "stand-in-secret";
    public const string HostedZoneId = "Z0STANDIN42";
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    private readonly WebApplication _app;
    private readonly object _lock = new();
    private readonly Dictionary<(string Name, string Type), (int Ttl, List<string> Values)> _sets = new();
    private readonly ConcurrentQueue<(HttpStatusCode Status, string Code)> _failures = new();

    private Route53StandIn(WebApplication app, string zone)
    {
        _app = app;
        Zone = zone;
    }

    public string Zone { get; }

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public ConcurrentQueue<string> ShapeErrors { get; } = new();

    public static async Task<Route53StandIn> StartAsync(string zone)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new Route53StandIn(app, zone.TrimEnd('.'));
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn.Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return standIn;
    }

    /// <summary>The next <paramref name="count"/> requests fail with this error (e.g. 400 Throttling, 400 PriorRequestNotComplete).</summary>
    public void FailNext(int count, HttpStatusCode status, string code)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue((status, code));
        }
    }

    /// <summary>The values of one record set (TXT values quoted as Route 53 stores them), or null.</summary>
    public (int Ttl, IReadOnlyList<string> Values)? Get(string name, string type)
    {
        lock (_lock)
        {
            return _sets.TryGetValue((Fqdn(name), type), out var set) ? (set.Ttl, set.Values.ToList()) : null;
        }
    }

    public void Put(string name, string type, int ttl, params string[] values)
    {
        lock (_lock)
        {
            _sets[(Fqdn(name), type)] = (ttl, values.ToList());
        }
    }

    private static string Fqdn(string name) => name.TrimEnd('.').ToLowerInvariant() + ".";

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var recorded = new RecordedRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty,
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body);
        Requests.Enqueue(recorded);

        if (SigV4Verifier.Verify(recorded, Encoding.UTF8.GetBytes(body), AccessKey, SecretKey, "us-east-1", "route53") is { } signatureProblem)
        {
            await ErrorAsync(context, HttpStatusCode.Forbidden, "SignatureDoesNotMatch", signatureProblem);
            return;
        }

        if (_failures.TryDequeue(out var failure))
        {
            await ErrorAsync(context, failure.Status, failure.Code, failure.Code == "Throttling" ? "Rate exceeded" : "The request was rejected because Route 53 was still processing a prior request.");
            return;
        }

        var prefix = $"/2013-04-01/hostedzone/{HostedZoneId}/rrset";
        if (!recorded.Path.StartsWith($"/2013-04-01/hostedzone/", StringComparison.Ordinal))
        {
            await ShapeAsync(context, $"unexpected path {recorded.Path}");
            return;
        }

        if (!recorded.Path.StartsWith(prefix, StringComparison.Ordinal))
        {
            await ErrorAsync(context, HttpStatusCode.NotFound, "NoSuchHostedZone", $"No hosted zone found with ID: {recorded.Path}");
            return;
        }

        if (request.Method == "GET" && recorded.Path == prefix)
        {
            await ListAsync(context);
        }
        else if (request.Method == "POST" && recorded.Path == prefix + "/")
        {
            await ChangeAsync(context, recorded, body);
        }
        else
        {
            await ShapeAsync(context, $"unexpected {request.Method} {recorded.Path}");
        }
    }

    private async Task ListAsync(HttpContext context)
    {
        var name = context.Request.Query["name"].ToString();
        var type = context.Request.Query["type"].ToString();
        if (!int.TryParse(context.Request.Query["maxitems"], CultureInfo.InvariantCulture, out var max) || max is < 1 or > 300)
        {
            await ShapeAsync(context, "maxitems must be 1-300");
            return;
        }

        if (name.Length > 0 && !name.EndsWith('.'))
        {
            await ShapeAsync(context, $"name '{name}' must be fully qualified (end with '.')");
            return;
        }

        List<XElement> sets;
        lock (_lock)
        {
            sets = _sets
                .OrderBy(s => string.Join('.', s.Key.Name.TrimEnd('.').Split('.').Reverse()), StringComparer.Ordinal)
                .ThenBy(s => s.Key.Type, StringComparer.Ordinal)
                .SkipWhile(s => name.Length > 0 && string.CompareOrdinal(string.Join('.', s.Key.Name.TrimEnd('.').Split('.').Reverse()), string.Join('.', name.TrimEnd('.').Split('.').Reverse())) < 0)
                .SkipWhile(s => type.Length > 0 && s.Key.Name == name && string.CompareOrdinal(s.Key.Type, type) < 0)
                .Take(max)
                .Select(s => new XElement(Ns + "ResourceRecordSet",
                    new XElement(Ns + "Name", s.Key.Name),
                    new XElement(Ns + "Type", s.Key.Type),
                    new XElement(Ns + "TTL", s.Value.Ttl),
                    new XElement(Ns + "ResourceRecords", s.Value.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v))))))
                .ToList();
        }

        await XmlAsync(context, HttpStatusCode.OK, new XElement(Ns + "ListResourceRecordSetsResponse",
            new XElement(Ns + "ResourceRecordSets", sets),
            new XElement(Ns + "IsTruncated", "false"),
            new XElement(Ns + "MaxItems", max)));
    }

    private async Task ChangeAsync(HttpContext context, RecordedRequest request, string body)
    {
        if (!request.Headers.TryGetValue("content-type", out var type) || !type.StartsWith("application/xml", StringComparison.Ordinal))
        {
            await ShapeAsync(context, "Content-Type must be application/xml");
            return;
        }

        XElement root;
        try
        {
            root = XDocument.Parse(body).Root!;
        }
        catch (System.Xml.XmlException ex)
        {
            await ShapeAsync(context, $"body is not XML: {ex.Message}");
            return;
        }

        var changes = root.Name == Ns + "ChangeResourceRecordSetsRequest"
            ? root.Element(Ns + "ChangeBatch")?.Element(Ns + "Changes")?.Elements(Ns + "Change").ToList()
            : null;
        if (changes is null || changes.Count == 0)
        {
            await ShapeAsync(context, "expected ChangeResourceRecordSetsRequest/ChangeBatch/Changes/Change+ in the 2013-04-01 namespace");
            return;
        }

        var parsed = new List<(string Action, string Name, string Type, int Ttl, List<string> Values)>();
        foreach (var change in changes)
        {
            var action = change.Element(Ns + "Action")?.Value;
            var set = change.Element(Ns + "ResourceRecordSet");
            var name = set?.Element(Ns + "Name")?.Value;
            var rrType = set?.Element(Ns + "Type")?.Value;
            var values = set?.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord").Select(r => r.Element(Ns + "Value")?.Value ?? string.Empty).ToList();
            if (action is not ("CREATE" or "DELETE" or "UPSERT") || name is null || !name.EndsWith('.') || rrType is not ("A" or "TXT")
                || !int.TryParse(set?.Element(Ns + "TTL")?.Value, CultureInfo.InvariantCulture, out var ttl) || values is null || values.Count == 0)
            {
                await ShapeAsync(context, $"malformed Change: {change}");
                return;
            }

            if (!name.TrimEnd('.').EndsWith(Zone, StringComparison.Ordinal))
            {
                await InvalidBatchAsync(context, $"RRSet with DNS name {name} is not permitted in zone {Zone}.");
                return;
            }

            if (rrType == "TXT" && values.Any(v => !TxtValue().IsMatch(v)))
            {
                await ShapeAsync(context, "TXT values must be quoted character strings");
                return;
            }

            parsed.Add((action, name.ToLowerInvariant(), rrType, ttl, values));
        }

        var rejection = Apply(parsed);
        if (rejection is not null)
        {
            await InvalidBatchAsync(context, rejection);
            return;
        }

        await XmlAsync(context, HttpStatusCode.OK, new XElement(Ns + "ChangeResourceRecordSetsResponse",
            new XElement(Ns + "ChangeInfo",
                new XElement(Ns + "Id", $"/change/C{Guid.NewGuid():N}"[..20]),
                new XElement(Ns + "Status", "PENDING"),
                new XElement(Ns + "SubmittedAt", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)))));
    }

    /// <summary>Applies a batch all or nothing; returns Route 53's message when it must be rejected.</summary>
    private string? Apply(List<(string Action, string Name, string Type, int Ttl, List<string> Values)> parsed)
    {
        lock (_lock)
        {
            var working = _sets.ToDictionary(s => s.Key, s => (s.Value.Ttl, s.Value.Values.ToList()));
            foreach (var (action, name, rrType, ttl, values) in parsed)
            {
                var key = (name, rrType);
                var exists = working.TryGetValue(key, out var current);
                switch (action)
                {
                    case "CREATE" when exists:
                        return $"Tried to create resource record set [name='{name}', type='{rrType}'] but it already exists";
                    case "DELETE" when !exists:
                        return $"Tried to delete resource record set [name='{name}', type='{rrType}'] but it was not found";
                    case "DELETE" when current.Ttl != ttl || !current.Item2.Order(StringComparer.Ordinal).SequenceEqual(values.Order(StringComparer.Ordinal)):
                        return $"Tried to delete resource record set [name='{name}', type='{rrType}'] but the values provided do not match the current values";
                    case "DELETE":
                        working.Remove(key);
                        break;
                    default:
                        working[key] = (ttl, values);
                        break;
                }
            }

            _sets.Clear();
            foreach (var (key, value) in working)
            {
                _sets[key] = value;
            }

            return null;
        }
    }

    private async Task ShapeAsync(HttpContext context, string problem)
    {
        ShapeErrors.Enqueue(problem);
        await ErrorAsync(context, HttpStatusCode.BadRequest, "InvalidInput", problem);
    }

    private static Task InvalidBatchAsync(HttpContext context, string message)
        => XmlAsync(context, HttpStatusCode.BadRequest, new XElement(Ns + "InvalidChangeBatch",
            new XElement(Ns + "Messages", new XElement(Ns + "Message", message))));

    private static Task ErrorAsync(HttpContext context, HttpStatusCode status, string code, string message)
        => XmlAsync(context, status, new XElement(Ns + "ErrorResponse",
            new XElement(Ns + "Error", new XElement(Ns + "Type", "Sender"), new XElement(Ns + "Code", code), new XElement(Ns + "Message", message)),
            new XElement(Ns + "RequestId", Guid.NewGuid().ToString())));

    private static async Task XmlAsync(HttpContext context, HttpStatusCode status, XElement root)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync("<?xml version=\"1.0\"?>\n" + root.ToString(SaveOptions.DisableFormatting));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex("^(\"([^\"\\\\]|\\\\.)*\"\\s*)+$")]
    private static partial Regex TxtValue();
}

/// <summary>One request as the Route 53 stand-in received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);
