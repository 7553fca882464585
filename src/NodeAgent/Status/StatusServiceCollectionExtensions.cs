using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace NodeAgent.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>Readiness, the per-agent metrics registry, and (for the daemon) the /healthz + /metrics endpoint.</summary>
    public static IServiceCollection AddAgentMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReadinessState>();
        services.TryAddSingleton(_ => Metrics.NewCustomRegistry());
        services.TryAddSingleton<IMetricFactory>(sp => Metrics.WithCustomRegistry(sp.GetRequiredService<CollectorRegistry>()));
        return services;
    }

    public static IServiceCollection AddStatusEndpoint(this IServiceCollection services)
    {
        services.AddAgentMetrics();
        services.AddSingleton<AgentMetrics>();
        services.AddHostedService<StatusServer>();
        return services;
    }
}
