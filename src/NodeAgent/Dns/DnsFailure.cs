namespace NodeAgent.Dns;

public enum DnsFailure
{
    /// <summary>No answer: connection refused, timeout, network error. The outcome of an update is unknown.</summary>
    Unreachable,

    /// <summary>The server answered with a failure that may pass (SERVFAIL, HTTP 5xx).</summary>
    ServerError,

    /// <summary>Rate limited, or a previous change is still being applied (Route 53).</summary>
    Throttled,

    /// <summary>The request or the response failed authentication (TSIG, SigV4): wrong key or secret, or a forged answer.</summary>
    Authentication,

    /// <summary>The server refused the request (no permission, name outside the zone, bad input).</summary>
    Refused,

    /// <summary>The provider's answer could not be understood (exec contract violated, malformed response).</summary>
    Protocol,
}
