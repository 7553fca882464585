using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using NodeAgent.AutoScaling;
using NodeAgent.Aws;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;

namespace NodeAgent.Instance;

public static class InstanceLifecycleServiceCollectionExtensions
{
    /// <summary>
    /// Taking part in the instance's lifecycle (<c>lifecycle:</c>): the watcher of instance metadata notices, the
    /// termination sequence that runs the role's <see cref="ITerminationStep"/>s and completes the termination hook, and
    /// the launch hook's completion. Added after the role's services, so the launch hook is handled once everything
    /// else has started. Nothing when <c>lifecycle.enabled</c> is false, or when it is unset and the user-data came
    /// from a file (not EC2).
    /// </summary>
    public static IServiceCollection AddInstanceLifecycle(this IServiceCollection services, AgentConfig config, ImdsOptions? imds, bool userDataFromMetadata)
    {
        var settings = config.Lifecycle;
        if (!(settings.Enabled ?? userDataFromMetadata))
        {
            return services;
        }

        var options = (imds ?? new ImdsOptions()) with { TotalTimeout = settings.PollInterval < TimeSpan.FromSeconds(4) ? TimeSpan.FromSeconds(4) : settings.PollInterval };
        services.AddSingleton(sp => new ImdsClient(options, sp.GetRequiredService<ILoggerFactory>().CreateLogger<ImdsClient>()));
        services.AddSingleton<InstanceNoticeReader>();
        services.AddSingleton(sp => new LifecycleHooks(settings, sp.GetRequiredService<InstanceNoticeReader>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<LifecycleHooks>()));
        services.TryAddSingleton<ILifecycleActions>(sp => new AutoScalingClient(
            AutoScalingClient.EndpointFor(config.Aws.Region, settings.Endpoint, Environment.GetEnvironmentVariable),
            config.Aws.Region,
            () => AwsClientFactory.ResolveCredentials(config.Aws),
            config.Aws.Retry,
            config.Aws.Timeout,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<AutoScalingClient>(),
            sp.GetService<AwsRequestCounter>(),
            AwsCallLog.Process));
        services.AddSingleton<TerminationSequence>();
        services.AddHostedService(sp => sp.GetRequiredService<TerminationSequence>());
        services.AddSingleton<LifecycleWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<LifecycleWatcher>());
        services.AddSingleton<LaunchHookService>();
        services.AddHostedService(sp => sp.GetRequiredService<LaunchHookService>());
        return services;
    }
}
