using System.Net;
using NodeAgent.Testing;

namespace NodeAgent.Testing.Fleet;

/// <summary>
/// One node of the fleet: its own loopback address, user-data file and state directory, and the agent process
/// currently running for it (replaced when the node is restarted).
/// </summary>
public sealed class FleetNode : IAsyncDisposable
{
    public FleetNode(string nodeId, string role, IPAddress address, string userData, string home)
    {
        NodeId = nodeId;
        Role = role;
        Address = address;
        UserData = userData;
        Home = home;
    }

    public string NodeId { get; }

    public string Role { get; }

    public IPAddress Address { get; }

    /// <summary>The node's user-data file (the agent reads it with <c>--user-data</c>).</summary>
    public string UserData { get; }

    /// <summary>The node's directory: state, releases, server configs and logs.</summary>
    public string Home { get; }

    public string StateDir => Path.Combine(Home, "state");

    /// <summary>Where this node's service (nginx, HAProxy) listens: the node's address, port 8080.</summary>
    public Uri Http => new($"http://{Address}:{Fleet.HttpPort}/");

    public Uri Healthz => StatusEndpoint.Healthz(Address);

    public AgentProcess? Agent { get; private set; }

    /// <summary>The instance id the node's user-data gives it (<c>i-&lt;node id&gt;</c>).</summary>
    public string InstanceId => $"i-{NodeId}";

    /// <summary>This node's instance metadata stand-in, in a lifecycle fleet.</summary>
    public ImdsStandIn? Imds { get; internal set; }

    /// <summary>The agent's output of every run so far (kept across restarts, for diagnostics).</summary>
    public string History { get; private set; } = string.Empty;

    public bool Running => Agent is { HasExited: false };

    internal void Started(AgentProcess agent) => Agent = agent;

    /// <summary><c>kill -9</c> of the agent alone: its service (nginx, HAProxy) keeps running, as after a crash.</summary>
    public async Task KillAgentAsync()
    {
        var agent = Agent ?? throw new InvalidOperationException($"{NodeId} has no agent running");
        await agent.KillHardAsync();
        await ForgetAgentAsync();
    }

    /// <summary>Graceful stop (SIGTERM): the agent drains, deregisters and stops its service.</summary>
    public async Task StopAgentAsync(TimeSpan timeout)
    {
        var agent = Agent ?? throw new InvalidOperationException($"{NodeId} has no agent running");
        agent.Signal(System.Runtime.InteropServices.PosixSignal.SIGTERM);
        if (!await agent.WaitForExitAsync(timeout))
        {
            throw new TimeoutException($"{NodeId}: the agent did not stop within {timeout} after SIGTERM:\n{Tail(agent.StandardOutput)}");
        }

        await ForgetAgentAsync();
    }

    /// <summary>The pid of this node's service, from the pid file it writes under the node's directory.</summary>
    public int? ServicePid(string pidFileName) => ServerPidFiles.LiveUnder(Home, pidFileName).Select(pid => (int?)pid).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }

        if (Imds is not null)
        {
            await Imds.DisposeAsync();
        }
    }

    /// <summary>Waits until the agent exits by itself (after a lifecycle termination); false on timeout.</summary>
    public async Task<bool> WaitExitedAsync(TimeSpan timeout)
    {
        if (Agent is not { } agent)
        {
            return true;
        }

        if (!await agent.WaitForExitAsync(timeout))
        {
            return false;
        }

        await ForgetAgentAsync();
        return true;
    }

    private async Task ForgetAgentAsync()
    {
        if (Agent is { } agent)
        {
            History += agent.StandardOutput + "\n" + agent.StandardError + "\n";
            await agent.DisposeAsync();
        }

        Agent = null;
    }

    internal static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}
