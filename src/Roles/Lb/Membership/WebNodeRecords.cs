using NodeAgent.Registry;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// What the registry last said about each web node, and which drains were already told that the node is out of
/// rotation here. An answer is per drain (its id from the node's record): a node that drains again later is answered
/// again, a drain already answered is not. A node that vanished from the registry is kept while a server of it is
/// still leaving, so its drain is still answered. Used inside the <see cref="MembershipGate"/>.
/// </summary>
public sealed class WebNodeRecords
{
    private readonly Dictionary<string, NodeRecord> _records = new(StringComparer.Ordinal);
    /// <summary>Node id → the drain answered ("" for a node that publishes no drain id: an older agent).</summary>
    private readonly Dictionary<string, string> _answered = new(StringComparer.Ordinal);

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
        => _records.Values.Where(r => r.Health == NodeHealth.Draining && r.QueueUrl is not null
                                      && (!_answered.TryGetValue(r.NodeId, out var drain) || drain != DrainOf(r))).ToList();

    /// <summary>The node's current drain was answered.</summary>
    public void Answered(string nodeId)
    {
        if (_records.TryGetValue(nodeId, out var record))
        {
            _answered[nodeId] = DrainOf(record);
        }
    }

    private static string DrainOf(NodeRecord record) => record.Drain?.Id ?? string.Empty;
}
