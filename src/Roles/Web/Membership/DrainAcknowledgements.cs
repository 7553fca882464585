namespace NodeAgent.Roles.Web.Membership;

/// <summary>The lb nodes that have answered this node's drain with <c>removed</c>.</summary>
public sealed class DrainAcknowledgements
{
    private readonly object _gate = new();
    private readonly HashSet<string> _acked = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<string> Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _acked.ToList();
            }
        }
    }

    public void Acknowledge(string lbNodeId)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _acked.Add(lbNodeId);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits until every one of <paramref name="lbNodeIds"/> has answered.</summary>
    public async Task WaitForAllAsync(IReadOnlyCollection<string> lbNodeIds, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (lbNodeIds.All(_acked.Contains))
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }
}
