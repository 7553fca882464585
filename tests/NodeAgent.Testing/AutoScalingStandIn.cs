using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>
/// A small loopback stand-in for the Auto Scaling query API (2011-01-01): <c>CompleteLifecycleAction</c> and
/// <c>RecordLifecycleActionHeartbeat</c>. A test opens a lifecycle action (<see cref="BeginAction"/>, what the group
/// does when it puts an instance in <c>Pending:Wait</c> or <c>Terminating:Wait</c>); the agent's calls on it are
/// recorded in order, and a call with no action waiting gets Auto Scaling's <c>ValidationError</c>. Every request must
/// be a form POST signed with SigV4 for service <c>autoscaling</c> (checked by <see cref="SigV4Verifier"/>, 403
/// <c>SignatureDoesNotMatch</c> otherwise).
/// </summary>
public sealed class AutoScalingStandIn : IAsyncDisposable
{
    private static readonly XNamespace Ns = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Group, string Hook, string Instance), bool> _waiting = new();
    private readonly ConcurrentQueue<LifecycleCall> _calls = new();
    private readonly string _accessKey;
    private readonly string _secretKey;
    private readonly string _region;

    private AutoScalingStandIn(WebApplication app, string accessKey, string secretKey, string region)
    {
        _app = app;
        _accessKey = accessKey;
        _secretKey = secretKey;
        _region = region;
    }

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every call received, in order (rejected ones too, with their error code).</summary>
    public IReadOnlyList<LifecycleCall> Calls => _calls.ToList();

    /// <summary>Requests refused for their signature or shape.</summary>
    public ConcurrentQueue<string> Rejected { get; } = new();

    /// <summary>Runs before a call is answered (e.g. to look at the fleet at the moment of CONTINUE).</summary>
    public Func<LifecycleCall, Task>? OnCall { get; set; }

    public static async Task<AutoScalingStandIn> StartAsync(string accessKey = LocalStack.AccessKey, string secretKey = LocalStack.SecretKey, string region = LocalStack.Region)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new AutoScalingStandIn(app, accessKey, secretKey, region);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn.Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return standIn;
    }

    /// <summary>The group puts <paramref name="instanceId"/> in a wait state on <paramref name="hook"/>.</summary>
    public void BeginAction(string group, string hook, string instanceId) => _waiting[(group, hook, instanceId)] = true;

    public bool IsWaiting(string group, string hook, string instanceId) => _waiting.ContainsKey((group, hook, instanceId));

    /// <summary>The accepted calls for one instance, in order.</summary>
    public IReadOnlyList<LifecycleCall> AcceptedFor(string instanceId) => Calls.Where(c => c.InstanceId == instanceId && c.Error is null).ToList();

    /// <summary>Waits until an accepted call for <paramref name="instanceId"/> matches; returns it.</summary>
    public async Task<LifecycleCall> WaitForAsync(string instanceId, Func<LifecycleCall, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (AcceptedFor(instanceId).FirstOrDefault(match) is { } call)
            {
                return call;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no matching lifecycle call for {instanceId} within {timeout}; calls: {string.Join("; ", Calls)}; rejected: {string.Join("; ", Rejected)}");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var recorded = new RecordedRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty,
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body);
        if (SigV4Verifier.Verify(recorded, Encoding.UTF8.GetBytes(body), _accessKey, _secretKey, _region, "autoscaling") is { } problem)
        {
            Rejected.Enqueue(problem);
            await ErrorAsync(context, HttpStatusCode.Forbidden, "SignatureDoesNotMatch", problem);
            return;
        }

        if (request.Method != "POST" || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
        {
            Rejected.Enqueue($"expected a form POST, got {request.Method} {request.ContentType}");
            await ErrorAsync(context, HttpStatusCode.BadRequest, "InvalidAction", "expected a form-encoded POST");
            return;
        }

        var form = QueryHelpers.ParseQuery(body).ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        var action = form.GetValueOrDefault("Action") ?? string.Empty;
        if (form.GetValueOrDefault("Version") != "2011-01-01" || action is not ("CompleteLifecycleAction" or "RecordLifecycleActionHeartbeat"))
        {
            Rejected.Enqueue($"unexpected Action '{action}' / Version '{form.GetValueOrDefault("Version")}'");
            await ErrorAsync(context, HttpStatusCode.BadRequest, "InvalidAction", $"unsupported action {action}");
            return;
        }

        var group = form.GetValueOrDefault("AutoScalingGroupName") ?? string.Empty;
        var hook = form.GetValueOrDefault("LifecycleHookName") ?? string.Empty;
        var instance = form.GetValueOrDefault("InstanceId") ?? string.Empty;
        var result = form.GetValueOrDefault("LifecycleActionResult");
        if (group.Length == 0 || hook.Length == 0 || instance.Length == 0 || (action == "CompleteLifecycleAction" && result is not ("CONTINUE" or "ABANDON")))
        {
            Rejected.Enqueue($"missing or invalid parameters: {body}");
            await ErrorAsync(context, HttpStatusCode.BadRequest, "ValidationError", "missing or invalid parameters");
            return;
        }

        string? error = null;
        if (!_waiting.ContainsKey((group, hook, instance)))
        {
            error = "ValidationError";
        }
        else if (action == "CompleteLifecycleAction")
        {
            _waiting.TryRemove((group, hook, instance), out _);
        }

        var call = new LifecycleCall(DateTimeOffset.UtcNow, action, group, hook, instance, result, error);
        if (OnCall is { } onCall)
        {
            await onCall(call);
        }

        _calls.Enqueue(call);

        if (error is not null)
        {
            await ErrorAsync(context, HttpStatusCode.BadRequest, "ValidationError", $"No active Lifecycle Action found with instance ID {instance}");
            return;
        }

        await XmlAsync(context, HttpStatusCode.OK, new XElement(Ns + $"{action}Response",
            new XElement(Ns + $"{action}Result"),
            new XElement(Ns + "ResponseMetadata", new XElement(Ns + "RequestId", Guid.NewGuid().ToString()))));
    }

    private static Task ErrorAsync(HttpContext context, HttpStatusCode status, string code, string message)
        => XmlAsync(context, status, new XElement(Ns + "ErrorResponse",
            new XElement(Ns + "Error", new XElement(Ns + "Type", "Sender"), new XElement(Ns + "Code", code), new XElement(Ns + "Message", message)),
            new XElement(Ns + "RequestId", Guid.NewGuid().ToString())));

    private static async Task XmlAsync(HttpContext context, HttpStatusCode status, XElement root)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(root.ToString(SaveOptions.DisableFormatting));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One call the Auto Scaling stand-in received: when, what, on which hook and instance, and the error it answered (null: accepted).</summary>
public sealed record LifecycleCall(DateTimeOffset At, string Action, string Group, string Hook, string InstanceId, string? Result, string? Error)
{
    public override string ToString() => $"{At:HH:mm:ss.fff} {Action} {Group}/{Hook} {InstanceId} {Result}{(Error is null ? string.Empty : " -> " + Error)}";
}
