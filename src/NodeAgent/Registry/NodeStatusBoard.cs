using System.Collections.Concurrent;

namespace NodeAgent.Registry;

/// <summary>
/// What this node currently reports about itself: health, apps and releases, extra ports. Components update it; the
/// registration loop publishes it to the registry (promptly on change, else at the heartbeat interval).
/// </summary>
public sealed class NodeStatusBoard
{
    private readonly ConcurrentDictionary<string, AppStatus> _apps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _ports = new(StringComparer.Ordinal);
    private volatile string _health = NodeHealth.Starting;
    private volatile string? _dnsName;

    public event Action? Changed;

    public string Health => _health;

    public IReadOnlyDictionary<string, AppStatus> Apps => new Dictionary<string, AppStatus>(_apps);

    public IReadOnlyDictionary<string, int> Ports => new Dictionary<string, int>(_ports);

    /// <summary>The node's registered DNS name, or null while it has none.</summary>
    public string? DnsName => _dnsName;

    public void SetHealth(string health)
    {
        if (!NodeHealth.All.Contains(health))
        {
            throw new ArgumentOutOfRangeException(nameof(health), health, "unknown health state");
        }

        if (_health != health)
        {
            _health = health;
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

    public void SetPort(string name, int port)
    {
        if (!_ports.TryGetValue(name, out var previous) || previous != port)
        {
            _ports[name] = port;
            Changed?.Invoke();
        }
    }
}
