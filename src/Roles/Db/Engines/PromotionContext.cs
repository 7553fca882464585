namespace NodeAgent.Roles.Db.Engines;

/// <summary>Why a replica is promoted, as recorded next to the new timeline in the archive: the node, the epoch it took, the reason.</summary>
public sealed record PromotionContext(string NodeId, long Epoch, string Reason, DateTimeOffset PromotedAt);
