namespace NodeAgent.Dns.Failover;

/// <summary>What this lb node is doing with the shared name.</summary>
public enum FailoverRole
{
    /// <summary>Not known yet, or no longer known: DNS could not be read and this node's own lease ran out.</summary>
    Unknown,

    /// <summary>Another node holds the name; this one probes it and takes over when it fails.</summary>
    Standby,

    /// <summary>This node holds the name and renews its lease.</summary>
    Active,
}
