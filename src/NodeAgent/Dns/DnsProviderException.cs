namespace NodeAgent.Dns;

/// <summary>
/// A DNS operation failed for a reason other than a failed precondition. <see cref="Failure"/> says what kind of
/// failure, so loops can tell "server down, retry" from "wrong key, fix the config".
/// </summary>
public sealed class DnsProviderException(DnsFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public DnsFailure Failure { get; } = failure;

    /// <summary>Worth retrying without a config change.</summary>
    public bool Transient => Failure is DnsFailure.Unreachable or DnsFailure.ServerError or DnsFailure.Throttled;
}
