namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// <c>SHOW SLAVE STATUS</c> as the agent uses it: whether replication is configured at all, both threads, the lag
/// (<c>Seconds_Behind_Master</c>, null while the SQL thread does not run), the GTID position received, where it points,
/// and the last error of either thread.
/// </summary>
public sealed record ReplicaStatus(bool Configured, bool IoRunning, bool SqlRunning, long? SecondsBehind, string? ReceivedPosition, string? MasterHost, int? MasterPort, string? LastError)
{
    public static ReplicaStatus None { get; } = new(false, false, false, null, null, null, null, null);

    public bool Streaming => IoRunning && SqlRunning;
}
