namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// One server's line of <c>show stat</c>, the counters a rollout gate reads: responses by class (counted since the
/// server was added: a server deleted and added again starts from zero), connection and response errors, HAProxy's
/// state and last check, and the mean response time (<c>rtime</c>, milliseconds to the response headers, averaged by
/// HAProxy over the server's last 1024 requests).
/// </summary>
public sealed record ServerStats(
    string Backend,
    string Server,
    string Status,
    string CheckStatus,
    long Responses,
    long Responses5xx,
    long ConnectionErrors,
    long ResponseErrors,
    long ResponseTimeMs,
    long Sessions)
{
    public string? App => ServerKey.AppOf(Backend);

    /// <summary>Responses that count as errors for the gate: 5xx, and requests the server failed to answer at all.</summary>
    public long Errors => Responses5xx + ConnectionErrors + ResponseErrors;

    /// <summary>UP (or UP going down), as opposed to DOWN, MAINT, DRAIN or NOLB.</summary>
    public bool IsUp => Status.StartsWith("UP", StringComparison.Ordinal);
}
