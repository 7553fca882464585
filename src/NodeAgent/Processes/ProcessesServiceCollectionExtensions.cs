using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NodeAgent.Processes;

public static class ProcessesServiceCollectionExtensions
{
    public static IServiceCollection AddProcesses(this IServiceCollection services)
    {
        services.TryAddSingleton<IProcessRunner, CliWrapProcessRunner>();
        return services;
    }
}
