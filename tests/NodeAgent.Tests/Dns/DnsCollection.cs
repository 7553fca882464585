namespace NodeAgent.Tests.Dns;

/// <summary>
/// The DNS tests that work in this process (BIND round trips, HMACs, the claim race) run one class at a time, so
/// together they take one of the runner's threads, not four, and leave CPU to the timing-sensitive tests that run
/// beside them. The agent-process tests are not in it: their work happens in child processes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DnsCollection
{
    public const string Name = "dns in-process";
}
