namespace NodeAgent.Registry;

/// <summary>A registry record as read back, with its age against the heartbeat TTL.</summary>
public sealed record RegistryEntry(string Key, NodeRecord Record, TimeSpan Age, bool Stale);

/// <summary>A registry object that was ignored, and why (malformed, oversized, mismatched key…).</summary>
public sealed record RegistryReject(string Key, string Reason);

public sealed record RegistryListing(IReadOnlyList<RegistryEntry> Entries, IReadOnlyList<RegistryReject> Rejects)
{
    public IEnumerable<RegistryEntry> Live => Entries.Where(e => !e.Stale);
}
