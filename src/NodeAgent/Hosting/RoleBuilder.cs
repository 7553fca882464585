using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodeAgent.Configuration;
using NodeAgent.Instance;
using NodeAgent.Lifecycle;
using NodeAgent.Messaging;
using NodeAgent.Status;

namespace NodeAgent.Hosting;

/// <summary>
/// What a role plug-in adds to a node, in the same words for every role: startup tasks, message handlers, loops and
/// readiness checks, plus any other service through <see cref="Services"/>. Each capability of a role keeps an
/// <c>AddX(this RoleBuilder)</c> extension that says what it registers.
/// </summary>
public sealed class RoleBuilder(IServiceCollection services, AgentConfig config)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>The whole validated configuration; roles take their own section from <see cref="AgentConfig.Section{T}"/>.</summary>
    public AgentConfig Config { get; } = config;

    /// <summary>Work that must finish before the node counts as started (<see cref="IStartupTask.Order"/>).</summary>
    public RoleBuilder StartupTask<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IStartupTask
    {
        Services.AddSingleton<IStartupTask, T>();
        return this;
    }

    /// <summary>The handler of one message type on the node's queue.</summary>
    public RoleBuilder MessageHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IMessageHandler
    {
        Services.AddSingleton<IMessageHandler, T>();
        return this;
    }

    /// <summary>A background loop (usually an <see cref="AgentLoop"/>), started after the startup tasks.</summary>
    public RoleBuilder Loop<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IHostedService
    {
        Services.AddSingleton<T>();
        Services.AddHostedService(sp => sp.GetRequiredService<T>());
        return this;
    }

    /// <summary>
    /// What the role does before its instance goes away (scale-in, spot interruption): runs while the node still
    /// serves, before the graceful stop and the termination hook's CONTINUE (<see cref="ITerminationStep"/>).
    /// </summary>
    public RoleBuilder TerminationStep<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, ITerminationStep
    {
        Services.AddSingleton<ITerminationStep, T>();
        return this;
    }

    /// <summary>
    /// A readiness check the role's services set as they go; it starts not ready with <paramref name="initialDetail"/>,
    /// so <c>/healthz</c> shows what the node still waits for from the first moment.
    /// </summary>
    public RoleBuilder ReadinessCheck(string name, string initialDetail)
    {
        Services.AddSingleton(new ReadinessCheckDeclaration(name, initialDetail));
        return this;
    }
}
