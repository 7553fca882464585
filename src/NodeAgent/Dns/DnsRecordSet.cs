using System.Net;

namespace NodeAgent.Dns;

/// <summary>The A and TXT records at one name. Order does not matter; <see cref="Ttl"/> is the A set's (or TXT's) TTL.</summary>
public sealed record DnsRecordSet
{
    public static readonly DnsRecordSet Empty = new();

    public IReadOnlyList<IPAddress> Addresses { get; init; } = [];

    public IReadOnlyList<string> Texts { get; init; } = [];

    /// <summary>TTL in seconds as read back (0 when the name is empty). Route 53 needs it to delete exactly.</summary>
    public int Ttl { get; init; }

    public bool IsEmpty => Addresses.Count == 0 && Texts.Count == 0;

    public static DnsRecordSet Of(IPAddress address, int ttl, string? text = null)
        => new() { Addresses = [address], Texts = text is null ? [] : [text], Ttl = ttl };

    /// <summary>Same addresses and texts (as sets); TTL is ignored.</summary>
    public bool SameRecords(DnsRecordSet other)
        => Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal).SequenceEqual(other.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal))
           && Texts.Order(StringComparer.Ordinal).SequenceEqual(other.Texts.Order(StringComparer.Ordinal));

    public override string ToString()
        => IsEmpty ? "(none)" : string.Join(", ", Addresses.Select(a => $"A {a}").Concat(Texts.Select(t => $"TXT \"{t}\"")));
}
