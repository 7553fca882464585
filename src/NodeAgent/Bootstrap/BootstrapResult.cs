using NodeAgent.Configuration;

namespace NodeAgent.Bootstrap;

/// <summary>A validated configuration and the identity of the node it belongs to.</summary>
public sealed record BootstrapResult(AgentConfig Config, NodeIdentity Identity);
