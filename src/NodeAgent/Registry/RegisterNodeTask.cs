using NodeAgent.Lifecycle;

namespace NodeAgent.Registry;

/// <summary>Startup: the node's first registry entry, written once everything before it (catch-up included) succeeded.</summary>
public sealed class RegisterNodeTask(NodeRegistration registration) : IStartupTask
{
    public int Order => StartupOrder.Registration;

    public string Name => "register in the node registry";

    public Task RunAsync(CancellationToken cancellationToken) => registration.PublishAsync(cancellationToken);
}
