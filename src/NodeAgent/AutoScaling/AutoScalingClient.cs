using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using Polly;

namespace NodeAgent.AutoScaling;

/// <summary>
/// The Auto Scaling query API (version 2011-01-01) for <c>CompleteLifecycleAction</c> and
/// <c>RecordLifecycleActionHeartbeat</c>: a form-encoded POST signed with SigV4 (service <c>autoscaling</c>) through
/// AWSSDK.Core's public signer (<see cref="AwsRequestSigner"/>), because AWSSDK.AutoScaling is not available here.
/// Throttling, 5xx and network failures are retried with the agent's one AWS retry policy (<c>aws.retry</c>). The
/// endpoint is <c>lifecycle.endpoint</c>, else <c>AWS_ENDPOINT_URL_AUTO_SCALING</c> (the SDKs' variable for it), else
/// <c>https://autoscaling.&lt;region&gt;.amazonaws.com/</c>. Not run against live AWS: only against the loopback
/// stand-in in the tests (docs/install.md).
/// </summary>
public sealed partial class AutoScalingClient : ILifecycleActions, IDisposable
{
    public const string ApiVersion = "2011-01-01";
    public const string EndpointVariable = "AWS_ENDPOINT_URL_AUTO_SCALING";
    public static readonly XNamespace Xmlns = $"http://autoscaling.amazonaws.com/doc/{ApiVersion}/";

    private readonly Func<AWSCredentials> _credentials;
    private readonly string _region;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AwsRequestCounter? _counter;
    private readonly AwsCallLog? _calls;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private AWSCredentials? _resolved;

    public AutoScalingClient(Uri endpoint, string region, Func<AWSCredentials> credentials, RetryConfig retry, TimeSpan timeout, TimeProvider time, ILogger logger,
        AwsRequestCounter? counter = null, AwsCallLog? calls = null)
    {
        Endpoint = endpoint;
        _region = region;
        _credentials = credentials;
        _time = time;
        _logger = logger;
        _counter = counter;
        _calls = calls;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout, UseProxy = !endpoint.IsLoopback }) { Timeout = timeout };
        _retry = AwsResilience.Create(retry, logger);
    }

    public Uri Endpoint { get; }

    /// <summary>The endpoint for <paramref name="region"/>: the override if given, else the variable, else the regional one.</summary>
    public static Uri EndpointFor(string region, Uri? configured, Func<string, string?> environment)
    {
        if (configured is not null)
        {
            return configured;
        }

        if (environment(EndpointVariable) is { Length: > 0 } fromEnv && Uri.TryCreate(fromEnv, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
        {
            return parsed;
        }

        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://autoscaling.{region}.{suffix}/");
    }

    public Task CompleteAsync(LifecycleHookTarget hook, string instanceId, LifecycleActionResult result, CancellationToken cancellationToken)
        => SendAsync("CompleteLifecycleAction", hook, instanceId, result == LifecycleActionResult.Continue ? "CONTINUE" : "ABANDON", cancellationToken);

    public Task RecordHeartbeatAsync(LifecycleHookTarget hook, string instanceId, CancellationToken cancellationToken)
        => SendAsync("RecordLifecycleActionHeartbeat", hook, instanceId, null, cancellationToken);

    /// <summary>The ARN pattern of a group, as IAM policies name it (the group's id is not known to the agent).</summary>
    public static string GroupArn(string region, string group) => $"arn:aws:autoscaling:{region}:*:autoScalingGroup:*:autoScalingGroupName/{group}";

    private async Task SendAsync(string action, LifecycleHookTarget hook, string instanceId, string? result, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("Action", action),
            new("Version", ApiVersion),
            new("AutoScalingGroupName", hook.Group),
            new("LifecycleHookName", hook.Hook),
            new("InstanceId", instanceId),
        };
        if (result is not null)
        {
            form.Add(new("LifecycleActionResult", result));
        }

        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}")));
        try
        {
            await _retry.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
                await AwsRequestSigner.SignAsync(request, body, _resolved ??= _credentials(), _region, "autoscaling", _time.GetUtcNow(), ct);
                _counter?.Count("autoscaling", action);
                _calls?.Record("autoscaling", action, GroupArn(_region, hook.Group));
                using var response = await _http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw ParseError(response.StatusCode, text);
                }
            }, cancellationToken);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "ValidationError" && ex.Message.Contains("No active Lifecycle Action", StringComparison.OrdinalIgnoreCase))
        {
            throw new LifecycleActionNotFoundException($"Auto Scaling {action} on {hook}: no lifecycle action is waiting for {instanceId} ({ex.Message})", ex);
        }

        LogSent(_logger, action, hook.ToString(), instanceId, result ?? "heartbeat");
    }

    /// <summary>Query API errors come as <c>ErrorResponse/Error/{Type,Code,Message}</c>.</summary>
    private static AmazonServiceException ParseError(HttpStatusCode status, string body)
    {
        var code = $"Http{(int)status}";
        var message = body.Length > 300 ? body[..300] : body;
        try
        {
            var error = XDocument.Parse(body).Root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            if (error is not null)
            {
                code = error.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? code;
                message = error.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? message;
            }
        }
        catch (System.Xml.XmlException)
        {
            // Not XML (a proxy's page): keep the status and the text.
        }

        return new AmazonServiceException(message, null, (int)status >= 500 ? ErrorType.Receiver : ErrorType.Sender, code, null, status);
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 7601, Level = LogLevel.Information, Message = "Auto Scaling: {Action} on {Hook} for {InstanceId}: {Result}")]
    private static partial void LogSent(ILogger logger, string action, string hook, string instanceId, string result);
}
