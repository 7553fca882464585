namespace NodeAgent.Registry;

/// <summary>
/// An lb node's view of its HAProxy, as published in its registry record: every server of every backend with its
/// state. Bounded so a record stays well under <see cref="NodeRecordJson.MaxBytes"/>.
/// </summary>
public sealed record BalancerView
{
    public const int MaxServers = 400;

    /// <summary><c>running</c>, <c>stopped</c> or <c>starting</c>.</summary>
    public string Process { get; init; } = "running";

    public IReadOnlyList<BalancerServer> Servers { get; init; } = [];

    public bool SameAs(BalancerView other) => Process == other.Process && Servers.SequenceEqual(other.Servers);
}
