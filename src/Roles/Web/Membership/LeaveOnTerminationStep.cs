using NodeAgent.Configuration;
using NodeAgent.Instance;
using NodeAgent.Registry;

namespace NodeAgent.Roles.Web.Membership;

/// <summary>
/// A web node whose instance goes away leaves every lb node first: the node's drain (marked draining in the registry,
/// then <see cref="LbDrainParticipant"/> waits until each lb node has taken it out of rotation and its in-flight
/// requests have finished), bounded by <c>lifecycle.termination_timeout</c> rather than half the shutdown timeout, since
/// the termination hook is kept alive with heartbeats meanwhile. The graceful stop that follows then deregisters.
/// </summary>
public sealed class LeaveOnTerminationStep(NodeDrain drain, AgentConfig config) : ITerminationStep
{
    public string Name => "leave every lb node";

    public Task RunAsync(TerminationNotice notice, CancellationToken cancellationToken)
        => drain.RunAsync(config.Lifecycle.TerminationTimeout, cancellationToken);
}
