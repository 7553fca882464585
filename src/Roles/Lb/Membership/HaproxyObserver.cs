using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The local look at HAProxy through its runtime API (free: no AWS request), every tick: the master's <c>show proc</c>
/// (a reload or restart since the last look is logged; the look that follows re-checks everything), then
/// <c>show servers state</c> — servers going down start their flap hold-down, the dump is stored as the server-state
/// file, and the balancer view goes to the registry record. Used inside the <see cref="MembershipGate"/>.
/// </summary>
public sealed class HaproxyObserver(
    IHaproxyRuntime runtime,
    HaproxyConfigFiles files,
    NodeStatusBoard board,
    FlapDamper damper,
    HeldServers held,
    LbSection lb,
    TimeProvider time,
    ILogger<HaproxyObserver> logger)
{
    private readonly Dictionary<ServerKey, ServerState> _lastStates = [];
    private MasterState? _lastMaster;
    private bool _unreachable;

    /// <summary>The servers HAProxy runs; null while its runtime API does not answer (the supervisor restarts it).</summary>
    public async Task<IReadOnlyList<ServerState>?> ObserveAsync(CancellationToken cancellationToken)
    {
        MasterState master;
        try
        {
            master = await runtime.ShowProcAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or IOException or FormatException or TimeoutException)
        {
            if (!_unreachable)
            {
                _unreachable = true;
                MembershipLog.HaproxyUnreachable(logger, ex.Message);
                board.SetBalancer(new BalancerView { Process = "stopped" });
            }

            return null;
        }

        if (_lastMaster is { } last && (last.MasterPid != master.MasterPid || last.Reloads != master.Reloads))
        {
            MembershipLog.Rechecking(logger, master.MasterPid, master.Reloads);
        }

        _lastMaster = master;
        _unreachable = false;
        return await ServersAsync(cancellationToken);
    }

    /// <summary>The servers HAProxy runs (<c>show servers state</c>), without any of the tick's side effects.</summary>
    public Task<IReadOnlyList<ServerState>> RunningAsync(CancellationToken cancellationToken) => runtime.ShowServersStateAsync(cancellationToken);

    /// <summary><c>show servers state</c>: records down transitions, stores the state file and the balancer view.</summary>
    private async Task<IReadOnlyList<ServerState>> ServersAsync(CancellationToken cancellationToken)
    {
        var dump = await runtime.DumpServersStateAsync(cancellationToken);
        var states = HaproxyOutputParser.ServersState(dump);
        var ours = states.Where(s => s.Key is not null).ToList();
        var now = time.GetUtcNow();
        var seen = new HashSet<ServerKey>();
        foreach (var state in ours)
        {
            var key = state.Key!.Value;
            seen.Add(key);
            if (_lastStates.TryGetValue(key, out var before) && !before.IsDown && !before.InMaintenance && state.IsDown && !state.InMaintenance)
            {
                damper.RecordDown(key, now);
                MembershipLog.ServerDown(logger, key.ToString(), lb.FlapHoldDown.TotalSeconds);
            }

            _lastStates[key] = state;
        }

        foreach (var gone in _lastStates.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _lastStates.Remove(gone);
        }

        files.WriteState(dump);
        board.SetBalancer(new BalancerView
        {
            Process = "running",
            Servers = ours.Take(BalancerView.MaxServers).Select(s => new BalancerServer
            {
                App = s.App!,
                Server = s.Name,
                Address = s.Address,
                Port = s.Port,
                State = held.Contains(s.Key!.Value) ? "held" : s.Describe(),
            }).ToList(),
        });
        return states;
    }
}
