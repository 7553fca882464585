using NodeAgent.Registry;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// What the registry last said about each web node, and which draining nodes were already told that they are out of
/// rotation here. A node that vanished from the registry is kept while a server of it is still leaving, so its drain
/// is still answered. Used inside the <see cref="MembershipGate"/>.
/// </summary>
public sealed class WebNodeRecords
{
    private readonly Dictionary<string, NodeRecord> _records = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a new listing. Returns the nodes whose health went from <c>healthy</c> to <c>unhealthy</c> since the last
    /// one (flaps: their servers start a hold-down). A node that is no longer draining may be answered again later.
    /// </summary>
    public IReadOnlyList<string> Update(RegistryListing listing, Func<string, bool> stillLeaving)
    {
        var wentUnhealthy = new List<string>();
        foreach (var entry in listing.Entries)
        {
            var record = entry.Record;
            if (_records.TryGetValue(record.NodeId, out var before) && before.Health == NodeHealth.Healthy && record.Health == NodeHealth.Unhealthy)
            {
                wentUnhealthy.Add(record.NodeId);
            }

            if (record.Health != NodeHealth.Draining)
            {
                _answered.Remove(record.NodeId);
            }

            _records[record.NodeId] = record;
        }

        var listed = listing.Entries.Select(e => e.Record.NodeId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _records.Keys.Where(id => !listed.Contains(id) && !stillLeaving(id)).ToList())
        {
            _records.Remove(gone);
            _answered.Remove(gone);
        }

        return wentUnhealthy;
    }

    /// <summary>Draining nodes with a queue that have not been told yet.</summary>
    public IReadOnlyList<NodeRecord> AwaitingAnswer()
        => _records.Values.Where(r => r.Health == NodeHealth.Draining && r.QueueUrl is not null && !_answered.Contains(r.NodeId)).ToList();

    public void Answered(string nodeId) => _answered.Add(nodeId);
}
