namespace NodeAgent.Dns.Failover;

/// <summary>
/// Asked by <see cref="FailoverCoordinator"/> before this node writes itself into the shared name: a first claim of a
/// free name, or a takeover from a holder whose lease ran out or who failed its probes. A role whose nodes are not all
/// equal candidates says here who may (a db node claims only with a primary's data and takes over only as the most
/// caught-up replica). Without a gate every node may (the lb pair). A denial keeps this node standby with the reason.
/// </summary>
public interface IClaimGate
{
    Task<ClaimVerdict> DecideAsync(ClaimAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>Why the coordinator wants to write itself into the name.</summary>
public enum ClaimKind
{
    /// <summary>The name holds nothing: a first claim, conditional on "name not in use".</summary>
    Free,

    /// <summary>The name holds no valid lease, or one that expired without renewal.</summary>
    LeaseLapsed,

    /// <summary>The holder's lease is valid but the holder failed <c>fall</c> probes in a row.</summary>
    HolderFailed,
}

/// <summary>A claim or takeover the coordinator is about to attempt: what it saw and why.</summary>
public sealed record ClaimAttempt(ClaimKind Kind, string Name, LeaseRecord? Current, DnsRecordSet Observed, string Reason);

/// <summary>A gate's answer, with what it based it on (shown in the standby detail and logs when denied).</summary>
public sealed record ClaimVerdict(bool Allowed, string Detail)
{
    public static ClaimVerdict Allow(string detail) => new(true, detail);

    public static ClaimVerdict Deny(string detail) => new(false, detail);
}
