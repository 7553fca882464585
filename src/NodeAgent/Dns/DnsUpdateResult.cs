namespace NodeAgent.Dns;

public enum DnsUpdateResult
{
    Applied,

    /// <summary>The name did not hold what the precondition expected; nothing was changed.</summary>
    PreconditionFailed,
}
