using Microsoft.Extensions.Hosting;
using NodeAgent.Bootstrap;
using NodeAgent.Messaging;
using NodeAgent.Status;

namespace NodeAgent.Hosting;

/// <summary><c>run --once</c>: once the host has started (READY), print the node summary and stop gracefully.</summary>
public sealed class OnceService(IHostApplicationLifetime lifetime, AgentRunOptions options, NodeIdentity identity, NodeQueue queue, ReadinessState readiness)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var snapshot = readiness.Snapshot();
            options.Output.WriteLine(ReadySummary.Format(identity, queue, snapshot));
            options.Output.Flush();
            lifetime.StopApplication();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
