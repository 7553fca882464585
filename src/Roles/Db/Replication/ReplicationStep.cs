using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>One round's decision: what to do, why (published as the node's detail), and the primary to follow where it matters.</summary>
public sealed record ReplicationStep(StepKind Kind, string Detail, PeerEndpoint? Upstream = null);
