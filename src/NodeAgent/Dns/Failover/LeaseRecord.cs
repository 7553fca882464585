using System.Globalization;
using NodeAgent.Configuration;

namespace NodeAgent.Dns.Failover;

/// <summary>
/// The lease on the lb pair's shared name, kept in a TXT record at that name and changed in the same atomic update as
/// its A record: <c>nodeagent-lease v=1 owner=lb1 epoch=4 since=1732540000 expires=1732540015</c>.
/// <see cref="Epoch"/> is the fencing token: every acquisition (first claim or takeover) increments it, and every
/// write to the name is conditional on the exact current TXT, so a node holding an older epoch can no longer change
/// anything. <see cref="Since"/> is when the owner acquired it (kept across renewals: the minimum hold time counts
/// from it); <see cref="Expires"/> is pushed forward by renewals and set to "now" on a graceful release.
/// </summary>
public sealed record LeaseRecord(string Owner, long Epoch, DateTimeOffset Since, DateTimeOffset Expires)
{
    public const string Marker = "nodeagent-lease";

    public string Format() => string.Create(CultureInfo.InvariantCulture,
        $"{Marker} v=1 owner={Owner} epoch={Epoch} since={Since.ToUnixTimeSeconds()} expires={Expires.ToUnixTimeSeconds()}");

    public bool IsExpired(DateTimeOffset now) => Expires <= now;

    /// <summary>The one lease among a name's TXT records; null when there is none, more than one, or it is malformed.</summary>
    public static LeaseRecord? Find(IEnumerable<string> texts)
    {
        var leases = texts.Where(t => t.StartsWith(Marker + " ", StringComparison.Ordinal)).Take(2).ToList();
        return leases.Count == 1 ? TryParse(leases[0]) : null;
    }

    public static LeaseRecord? TryParse(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != Marker)
        {
            return null;
        }

        foreach (var part in parts.Skip(1))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0 || !fields.TryAdd(part[..eq], part[(eq + 1)..]))
            {
                return null;
            }
        }

        if (fields.GetValueOrDefault("v") != "1"
            || fields.GetValueOrDefault("owner") is not { } owner || !Names.IsNodeId(owner)
            || !long.TryParse(fields.GetValueOrDefault("epoch"), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) || epoch < 1
            || !long.TryParse(fields.GetValueOrDefault("since"), NumberStyles.None, CultureInfo.InvariantCulture, out var since)
            || !long.TryParse(fields.GetValueOrDefault("expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return null;
        }

        try
        {
            return new LeaseRecord(owner, epoch, DateTimeOffset.FromUnixTimeSeconds(since), DateTimeOffset.FromUnixTimeSeconds(expires));
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
