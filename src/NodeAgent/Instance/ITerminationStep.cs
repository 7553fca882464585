namespace NodeAgent.Instance;

/// <summary>
/// What a role does, while the node still serves, before its instance goes away (a scale-in, a spot interruption, or
/// early on a rebalance recommendation with <c>lifecycle.rebalance: drain</c>): e.g. a web node leaves every lb node,
/// an lb node hands its shared name to its peer, a db node gets its last WAL into the archive. Registered by the role
/// with <c>RoleBuilder.TerminationStep&lt;T&gt;()</c>; steps run once, one after another in registration order, bounded
/// by <c>lifecycle.termination_timeout</c> and a spot notice's deadline. After them the agent stops gracefully (the
/// role's services stop, the node deregisters) and then completes the termination hook with CONTINUE.
/// </summary>
public interface ITerminationStep
{
    string Name { get; }

    Task RunAsync(TerminationNotice notice, CancellationToken cancellationToken);
}
