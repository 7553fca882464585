using NodeAgent.Roles.Db.Postgres.Replication;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>A timeline after the first: its number, parent, where it branched, and (when the agent promoted it) who and when.</summary>
public sealed record TimelineInfo(long Number, long Parent, Lsn SwitchPoint, TimelineRecord? Promotion);
