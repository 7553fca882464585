using System.Collections.Concurrent;

namespace NodeAgent.Registry;

/// <summary>
/// What this node currently reports about itself: health, apps and releases, extra ports, and on lb nodes the
/// balancer's view. Components update it; the registration loop publishes it to the registry (promptly on change,
/// else at the heartbeat interval). Once the node starts draining, its health stays <c>draining</c>.
/// </summary>
public sealed class NodeStatusBoard
{
    private readonly ConcurrentDictionary<string, AppStatus> _apps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _ports = new(StringComparer.Ordinal);
    private volatile string _health = NodeHealth.Starting;
    private volatile string? _dnsName;
    private volatile bool _draining;
    private volatile BalancerView? _balancer;
    private volatile DrainInfo? _drain;
    private volatile DatabaseView? _database;

    public event Action? Changed;

    public string Health => _health;

    /// <summary>True once <see cref="BeginDrain"/> was called: health no longer changes.</summary>
    public bool IsDraining => _draining;

    public IReadOnlyDictionary<string, AppStatus> Apps => new Dictionary<string, AppStatus>(_apps);

    public IReadOnlyDictionary<string, int> Ports => new Dictionary<string, int>(_ports);

    /// <summary>The node's registered DNS name, or null while it has none.</summary>
    public string? DnsName => _dnsName;

    public BalancerView? Balancer => _balancer;

    /// <summary>The drain in progress (its id and start), once <see cref="BeginDrain"/> was called.</summary>
    public DrainInfo? Drain => _drain;

    public DatabaseView? Database => _database;

    /// <summary>Sets the node's health; ignored once the node is draining, so a late health check cannot undo a drain.</summary>
    public void SetHealth(string health)
    {
        if (!NodeHealth.All.Contains(health))
        {
            throw new ArgumentOutOfRangeException(nameof(health), health, "unknown health state");
        }

        if (_draining)
        {
            return;
        }

        if (_health != health)
        {
            _health = health;
            Changed?.Invoke();
        }
    }

    /// <summary>Marks the node draining for good: the first step of a graceful stop. The drain gets its id and start
    /// time once; lb answers must name them.</summary>
    public void BeginDrain(TimeProvider? time = null)
    {
        _drain ??= DrainInfo.Start((time ?? TimeProvider.System).GetUtcNow());
        _draining = true;
        if (_health != NodeHealth.Draining)
        {
            _health = NodeHealth.Draining;
            Changed?.Invoke();
        }
    }

    public void SetApp(string app, AppStatus status)
    {
        if (!_apps.TryGetValue(app, out var previous) || previous != status)
        {
            _apps[app] = status;
            Changed?.Invoke();
        }
    }

    public void SetDnsName(string? name)
    {
        if (_dnsName != name)
        {
            _dnsName = name;
            Changed?.Invoke();
        }
    }

    /// <summary>Lists an app the node serves without a known release yet; a release set by a deploy is kept.</summary>
    public void EnsureApp(string app)
    {
        if (_apps.TryAdd(app, new AppStatus()))
        {
            Changed?.Invoke();
        }
    }

    public void SetPort(string name, int port)
    {
        if (!_ports.TryGetValue(name, out var previous) || previous != port)
        {
            _ports[name] = port;
            Changed?.Invoke();
        }
    }

    /// <summary>Sets the lb's view of its balancer (published for <c>nodeagent status --cluster</c>).</summary>
    public void SetBalancer(BalancerView view)
    {
        var previous = _balancer;
        if (previous is null || !previous.SameAs(view))
        {
            _balancer = view;
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Sets the db node's replication view. Always kept (the next heartbeat carries the latest figures); published at
    /// once only when its shape changed (role, state, timeline, epoch, upstream), so moving positions do not turn
    /// every round into a registry write.
    /// </summary>
    public void SetDatabase(DatabaseView view)
    {
        var previous = _database;
        _database = view;
        if (previous is null || !previous.SameShape(view))
        {
            Changed?.Invoke();
        }
    }
}
