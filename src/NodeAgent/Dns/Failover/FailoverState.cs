namespace NodeAgent.Dns.Failover;

/// <summary>
/// This lb node's current failover role, for whoever needs to act on it (readiness, metrics, the lb role). Replaced
/// whole on every change; <see cref="Changed"/> fires when the role changes.
/// </summary>
public sealed class FailoverState
{
    private volatile FailoverSnapshot _current = new(FailoverRole.Unknown, null, 0, null, "starting");

    public event Action<FailoverSnapshot>? Changed;

    public FailoverSnapshot Current => _current;

    public FailoverRole Role => _current.Role;

    public bool IsActive => _current.Role == FailoverRole.Active;

    internal void Set(FailoverSnapshot next)
    {
        var previous = _current;
        _current = next;
        if (previous.Role != next.Role)
        {
            Changed?.Invoke(next);
        }
    }
}
