namespace NodeAgent.Dns;

/// <summary>
/// One DNS zone the agent writes to, with compare-and-swap semantics. The agent only ever manages the A and TXT
/// record sets of names it owns (a node's own record, the lb pair's shared name), so that is all this interface
/// covers: read both sets of one name, and replace both at once if — and only if — the name still holds what the
/// caller expects. Implementations: RFC 2136 + TSIG, Route 53, and a user-supplied command (see docs/dns.md).
/// </summary>
public interface IDnsProvider
{
    /// <summary>Short description for logs and <c>dns status</c>, e.g. <c>rfc2136 10.0.0.53:53</c>.</summary>
    string Description { get; }

    /// <summary>The zone, without a trailing dot.</summary>
    string Zone { get; }

    /// <summary>The A and TXT records at <paramref name="name"/> (a name inside the zone, without trailing dot).</summary>
    /// <exception cref="DnsProviderException">The server could not be reached, refused, or failed authentication.</exception>
    Task<DnsRecordSet> ReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="update"/> atomically: either its precondition holds and the name ends up with exactly the
    /// desired A and TXT records, or nothing changes and the result is <see cref="DnsUpdateResult.PreconditionFailed"/>.
    /// </summary>
    /// <exception cref="DnsProviderException">The outcome is unknown or the update was refused for another reason.</exception>
    Task<DnsUpdateResult> UpdateAsync(DnsUpdate update, CancellationToken cancellationToken);
}
