namespace NodeAgent.Registry;

/// <summary>One HAProxy server as an lb sees it: backend (app), server (node id), address and state.</summary>
public sealed record BalancerServer
{
    public required string App { get; init; }

    public required string Server { get; init; }

    public required string Address { get; init; }

    public int Port { get; init; }

    /// <summary><c>up</c>, <c>down</c>, <c>drain</c>, <c>maint</c> or <c>held</c> (flap hold-down).</summary>
    public required string State { get; init; }
}
