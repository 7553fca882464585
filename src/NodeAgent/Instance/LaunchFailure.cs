using Microsoft.Extensions.Logging;
using NodeAgent.AutoScaling;
using NodeAgent.Aws;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;

namespace NodeAgent.Instance;

/// <summary>
/// A boot that failed completes the launch hook with ABANDON, so the group replaces the instance instead of counting a
/// broken node as in service. What can be known depends on how far the boot got:
/// <list type="bullet">
/// <item>a startup task failed (e.g. the catch-up): the user-data is valid, so its <c>lifecycle:</c> and <c>aws:</c>
/// sections are used, with instance tags for names it does not give;</item>
/// <item>the user-data is invalid or missing: nothing in it can be trusted, so only instance metadata is: the instance
/// id, the region (<c>placement/region</c>) and the instance tags (<c>aws:autoscaling:groupName</c>,
/// <c>nodeagent:launch-hook</c>); credentials come from the instance profile, the endpoint from
/// <c>AWS_ENDPOINT_URL_AUTO_SCALING</c> or the region. Without instance metadata tags the agent cannot name the hook,
/// and the hook's own default result (ABANDON in the template) applies when it times out.</item>
/// </list>
/// Best effort and bounded: the agent is exiting either way.
/// </summary>
public static partial class LaunchFailure
{
    public static async Task ReportAsync(
        AgentConfig? config, NodeIdentity? identity, ImdsOptions imds, Func<string, string?> environment, string reason, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var settings = config?.Lifecycle ?? new LifecycleSection();
        var logger = loggers.CreateLogger(typeof(LaunchFailure).FullName!);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            using var client = new ImdsClient(imds with { TotalTimeout = TimeSpan.FromSeconds(5) }, loggers.CreateLogger<ImdsClient>());
            var reader = new InstanceNoticeReader(client, TimeProvider.System);
            var hook = await new LifecycleHooks(settings, reader, logger).LaunchAsync(bound.Token);
            if (hook is null)
            {
                LogNoHook(logger, reason);
                return;
            }

            var instanceId = identity?.InstanceId ?? await reader.InstanceIdAsync(bound.Token)
                ?? throw new InvalidOperationException("instance metadata has no instance-id");
            var region = config?.Aws.Region ?? await reader.RegionAsync(bound.Token) ?? environment("AWS_REGION")
                ?? throw new InvalidOperationException("the region is unknown (no valid aws.region, no placement/region in instance metadata, no AWS_REGION)");
            var retry = config?.Aws.Retry ?? new RetryConfig();
            using var autoScaling = new AutoScalingClient(
                AutoScalingClient.EndpointFor(region, settings.Endpoint, environment), region,
                () => config is null ? AwsClientFactory.ResolveCredentials(new AwsSection { Region = region, Bucket = "unused" }) : AwsClientFactory.ResolveCredentials(config.Aws),
                retry, TimeSpan.FromSeconds(10), TimeProvider.System, logger, calls: AwsCallLog.Process);
            await autoScaling.CompleteAsync(hook, instanceId, LifecycleActionResult.Abandon, bound.Token);
            LogAbandoned(logger, hook.ToString(), reason);
        }
        catch (LifecycleActionNotFoundException ex)
        {
            LogNothingToComplete(logger, ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(logger, reason, ex);
        }
    }

    [LoggerMessage(EventId = 7660, Level = LogLevel.Error, Message = "Lifecycle: the boot failed ({Reason}); completed the launch hook {Hook} with ABANDON")]
    private static partial void LogAbandoned(ILogger logger, string hook, string reason);

    [LoggerMessage(EventId = 7661, Level = LogLevel.Warning, Message = "Lifecycle: the boot failed ({Reason}) but no launch hook is known (no lifecycle.launch_hook, no instance tag); the hook's default result applies when it times out")]
    private static partial void LogNoHook(ILogger logger, string reason);

    [LoggerMessage(EventId = 7662, Level = LogLevel.Information, Message = "Lifecycle: no launch hook action to abandon: {Reason}")]
    private static partial void LogNothingToComplete(ILogger logger, string reason);

    [LoggerMessage(EventId = 7663, Level = LogLevel.Error, Message = "Lifecycle: the boot failed ({Reason}) and the launch hook could not be abandoned; the hook's default result applies when it times out")]
    private static partial void LogFailed(ILogger logger, string reason, Exception exception);
}
