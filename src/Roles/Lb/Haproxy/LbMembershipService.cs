using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Web;
using Prometheus;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// Keeps HAProxy's servers in step with the registry. Two rhythms:
/// <list type="bullet">
/// <item>a <b>sync</b> lists the web nodes (every <c>lb.sync_interval</c>, and at once when a <c>membership</c> nudge
/// arrives) and recomputes who should serve which app;</item>
/// <item>a <b>tick</b> every second reads <c>show servers state</c> (local, free): it notices servers going down
/// (flap damping), reloads and restarts of HAProxy (re-check), stores the server-state file, publishes the balancer
/// view, and applies whatever differs from the last sync.</item>
/// </list>
/// Changes go through the runtime API (joins: add server, enable health, enable server; leaves: drain, maintenance,
/// shutdown sessions, del server) and are written to the config without reloading; with <c>lb.apply: reload</c>
/// they are applied by regenerating the config and reloading instead.
/// </summary>
public sealed partial class LbMembershipService : BackgroundService
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private readonly AgentConfig _config;
    private readonly LbSection _lb;
    private readonly NodeIdentity _identity;
    private readonly INodeRegistry _registry;
    private readonly IHaproxyRuntime _runtime;
    private readonly HaproxyProcess _process;
    private readonly HaproxyConfigFiles _files;
    private readonly MessagePublisher _publisher;
    private readonly NodeStatusBoard _board;
    private readonly TimeProvider _time;
    private readonly ILogger<LbMembershipService> _logger;
    private readonly Counter _changes;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly FlapDamper _damper;
    private readonly Dictionary<ServerKey, Task> _leaving = [];
    private readonly HashSet<ServerKey> _heldByUs = [];
    private readonly Dictionary<ServerKey, ServerState> _lastStates = [];
    private readonly Dictionary<string, NodeRecord> _records = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private DesiredMembership _desired = DesiredMembership.None;
    private bool _haveListing;
    private MasterState? _lastMaster;
    private bool _tickFailing;
    private string? _lastTickError;
    private CancellationToken _stopping = CancellationToken.None;

    public LbMembershipService(
        LbSection lb,
        AgentConfig config,
        NodeIdentity identity,
        INodeRegistry registry,
        IHaproxyRuntime runtime,
        HaproxyProcess process,
        HaproxyConfigFiles files,
        MessagePublisher publisher,
        NodeStatusBoard board,
        IMetricFactory metrics,
        TimeProvider time,
        ILogger<LbMembershipService> logger)
    {
        _config = config;
        _lb = lb;
        _identity = identity;
        _registry = registry;
        _runtime = runtime;
        _process = process;
        _files = files;
        _publisher = publisher;
        _board = board;
        _time = time;
        _logger = logger;
        _damper = new FlapDamper(_lb.FlapHoldDown);
        _changes = metrics.CreateCounter("nodeagent_lb_membership_changes_total", "HAProxy membership changes applied, by kind.", ["change"]);
    }

    /// <summary>Asks for a registry listing now (a <c>membership</c> nudge arrived).</summary>
    public void RequestSync()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already requested.
            }
        }
    }

    /// <summary>Servers whose leave (drain → maint → delete) is still running.</summary>
    public IReadOnlyCollection<ServerKey> Leaving
    {
        get
        {
            lock (_leaving)
            {
                return _leaving.Keys.ToList();
            }
        }
    }

    /// <summary>Waits for every leave in progress (tests, shutdown).</summary>
    public Task LeavesSettledAsync()
    {
        lock (_leaving)
        {
            return Task.WhenAll(_leaving.Values);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), _lb.SyncInterval);
        var nextSync = _time.GetUtcNow();
        var woken = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (woken || _time.GetUtcNow() >= nextSync)
                {
                    try
                    {
                        await SyncAsync(stoppingToken);
                        backoff.Reset();
                        nextSync = _time.GetUtcNow() + LoopBackoff.Splay(_lb.SyncInterval);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        var delay = backoff.NextDelay();
                        nextSync = _time.GetUtcNow() + delay;
                        LogSyncFailed(_logger, delay.TotalSeconds, ex);
                    }
                }

                try
                {
                    await TickAsync(stoppingToken);
                    _lastTickError = null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (ex.Message != _lastTickError)
                    {
                        _lastTickError = ex.Message;
                        LogTickFailed(_logger, ex);
                    }
                }

                var wait = nextSync - _time.GetUtcNow();
                woken = await _wake.WaitAsync(wait < TickInterval ? (wait < TimeSpan.Zero ? TimeSpan.Zero : wait) : TickInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>One registry listing of the web nodes, then a reconcile against it.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var listing = await _registry.ListAsync(_config.Cluster, WebRole.RoleName, cancellationToken);
        var desired = DesiredMembership.From(listing, _lb);
        var now = _time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var entry in listing.Entries)
            {
                var record = entry.Record;
                if (_records.TryGetValue(record.NodeId, out var before) && before.Health == NodeHealth.Healthy && record.Health == NodeHealth.Unhealthy)
                {
                    foreach (var backend in _lb.Backends)
                    {
                        _damper.RecordDown(new ServerKey(backend.App, record.NodeId), now);
                    }
                }

                if (record.Health != NodeHealth.Draining)
                {
                    _acked.Remove(record.NodeId);
                }

                _records[record.NodeId] = record;
            }

            var listed = listing.Entries.Select(e => e.Record.NodeId).ToHashSet(StringComparer.Ordinal);
            var leaving = Leaving;
            foreach (var gone in _records.Keys.Where(id => !listed.Contains(id) && !leaving.Any(k => k.NodeId == id)).ToList())
            {
                _records.Remove(gone);
                _acked.Remove(gone);
            }

            ReportExclusions(desired.Excluded);
            _desired = desired;
            _haveListing = true;
            await ReconcileLockedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The local second-by-second look at HAProxy: state changes (flaps), reloads/restarts (re-check), the
    /// server-state file, the balancer view, and a reconcile against the last listing.
    /// </summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            MasterState master;
            try
            {
                master = await _runtime.ShowProcAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or FormatException or TimeoutException)
            {
                if (!_tickFailing)
                {
                    _tickFailing = true;
                    LogHaproxyUnreachable(_logger, ex.Message);
                    _board.SetBalancer(new BalancerView { Process = "stopped" });
                }

                return;
            }

            if (_lastMaster is { } last && (last.MasterPid != master.MasterPid || last.Reloads != master.Reloads))
            {
                LogRechecking(_logger, master.MasterPid, master.Reloads);
            }

            _lastMaster = master;
            _tickFailing = false;
            var states = await ObserveAsync(cancellationToken);
            if (_haveListing)
            {
                await ReconcileLockedAsync(cancellationToken, states);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads show servers state, records down transitions, stores the state file and the balancer view.</summary>
    private async Task<IReadOnlyList<ServerState>> ObserveAsync(CancellationToken cancellationToken)
    {
        var dump = await _runtime.DumpServersStateAsync(cancellationToken);
        var states = HaproxyOutputParser.ServersState(dump);
        var now = _time.GetUtcNow();
        var seen = new HashSet<ServerKey>();
        foreach (var state in states.Where(s => s.App is not null))
        {
            var key = state.Key!.Value;
            seen.Add(key);
            if (_lastStates.TryGetValue(key, out var before) && !before.IsDown && !before.InMaintenance && state.IsDown && !state.InMaintenance)
            {
                _damper.RecordDown(key, now);
                LogServerDown(_logger, key.ToString(), _lb.FlapHoldDown.TotalSeconds);
            }

            _lastStates[key] = state;
        }

        foreach (var gone in _lastStates.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _lastStates.Remove(gone);
        }

        _files.WriteState(dump);
        _board.SetBalancer(new BalancerView
        {
            Process = "running",
            Servers = states.Where(s => s.App is not null).Take(BalancerView.MaxServers).Select(s => new BalancerServer
            {
                App = s.App!,
                Server = s.Name,
                Address = s.Address,
                Port = s.Port,
                State = _heldByUs.Contains(s.Key!.Value) ? "held" : s.Describe(),
            }).ToList(),
        });
        return states;
    }

    private void ReportExclusions(IReadOnlyList<MembershipExclusion> excluded)
    {
        var current = excluded.Select(e => $"{e.Key}|{e.Reason}").ToHashSet(StringComparer.Ordinal);
        foreach (var e in excluded)
        {
            if (_reported.Add($"{e.Key}|{e.Reason}"))
            {
                LogExcluded(_logger, e.Key, e.Reason);
            }
        }

        _reported.IntersectWith(current);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await LeavesSettledAsync().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HaproxyCommandException)
        {
            // Stopping: a leave still running is cut short; HAProxy keeps the server in drain/maint.
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        _wake.Dispose();
        base.Dispose();
    }
}
