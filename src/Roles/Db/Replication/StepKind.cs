namespace NodeAgent.Roles.Db.Replication;

/// <summary>What the replication loop does in one round (<see cref="ReplicationPlanner"/>).</summary>
public enum StepKind
{
    /// <summary>Nothing can be done now; the detail says what the node waits for.</summary>
    Wait,

    /// <summary>All is as it should be: serve (a primary keeps its synchronous standbys in step).</summary>
    Serve,

    StartPrimary,

    StartReplica,

    /// <summary>Build (empty) or re-seed (existing data) a replica from the archive, then start it.</summary>
    Build,

    /// <summary>This node holds the name and runs a replica: promote it.</summary>
    Promote,

    /// <summary>This node runs a primary it may not run (another node holds a higher epoch): stop it now.</summary>
    Fence,

    /// <summary>A former primary becomes a replica of the holder (rewind, or re-seed), then starts.</summary>
    Rejoin,

    /// <summary>The running replica follows a new primary.</summary>
    PointAt,

    /// <summary>A new primary: ensure the replication user and access.</summary>
    EnsurePrimary,

    /// <summary>A planned switchover did not happen in time and this node still holds the name: serve again.</summary>
    ResumeAfterSwitchover,
}
