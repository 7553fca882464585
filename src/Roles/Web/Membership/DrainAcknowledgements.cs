namespace NodeAgent.Roles.Web.Membership;

/// <summary>The lb nodes that have answered each of this node's drains with <c>removed</c> (a node drains more than
/// once: out of rotation for each rollout swap, then for good when it stops).</summary>
public sealed class DrainAcknowledgements
{
    private readonly object _gate = new();
    private readonly HashSet<(string Drain, string Lb)> _acked = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every lb node that answered any drain.</summary>
    public IReadOnlyCollection<string> Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _acked.Select(a => a.Lb).Distinct(StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>The lb nodes that answered <paramref name="drainId"/>.</summary>
    public IReadOnlyCollection<string> AcknowledgedFor(string drainId)
    {
        lock (_gate)
        {
            return _acked.Where(a => a.Drain == drainId).Select(a => a.Lb).ToList();
        }
    }

    public void Acknowledge(string drainId, string lbNodeId)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _acked.Add((drainId, lbNodeId));
            if (_acked.Count > 10_000)
            {
                _acked.Clear();
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits until every one of <paramref name="lbNodeIds"/> has answered <paramref name="drainId"/>.</summary>
    public async Task WaitForAllAsync(string drainId, IReadOnlyCollection<string> lbNodeIds, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (lbNodeIds.All(lb => _acked.Contains((drainId, lb))))
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }
}
