using System.Collections.Concurrent;

namespace NodeAgent.Status;

/// <summary>
/// Named readiness checks that components set as they go (startup, web health, archiver, …). The node is ready when
/// every check is ready. Served on /healthz with the reasons.
/// </summary>
public sealed class ReadinessState
{
    private readonly ConcurrentDictionary<string, ReadinessCheck> _checks = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ReadinessState(TimeProvider time)
        : this(time, [])
    {
    }

    /// <summary>Starts with every declared check not ready, until the component that owns it sets it.</summary>
    public ReadinessState(TimeProvider time, IEnumerable<ReadinessCheckDeclaration> declared)
    {
        _time = time;
        foreach (var check in declared)
        {
            _checks[check.Name] = new ReadinessCheck(check.Name, false, check.InitialDetail, time.GetUtcNow());
        }
    }

    public event Action? Changed;

    public void Set(string name, bool ready, string detail)
    {
        var next = new ReadinessCheck(name, ready, detail, _time.GetUtcNow());
        var previous = _checks.GetValueOrDefault(name);
        _checks[name] = next;
        if (previous is null || previous.Ready != ready)
        {
            Changed?.Invoke();
        }
    }

    public void Remove(string name)
    {
        if (_checks.TryRemove(name, out _))
        {
            Changed?.Invoke();
        }
    }

    public ReadinessSnapshot Snapshot()
    {
        var checks = _checks.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        return new ReadinessSnapshot(checks.Count > 0 && checks.All(c => c.Ready), checks);
    }
}

public sealed record ReadinessCheck(string Name, bool Ready, string Detail, DateTimeOffset Since);

public sealed record ReadinessSnapshot(bool Ready, IReadOnlyList<ReadinessCheck> Checks)
{
    /// <summary>The reasons the node is not ready, one per failing check.</summary>
    public IEnumerable<string> Reasons => Checks.Where(c => !c.Ready).Select(c => $"{c.Name}: {c.Detail}");
}
