namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>What MariaDB retention deletes: dumps beyond the newest K, and binlogs older than the oldest kept dump's position.</summary>
public sealed record DumpRetentionPlan(IReadOnlyList<string> KeptDumps, IReadOnlyList<string> DeletedDumps, IReadOnlyList<string> DeletedBinlogs);
