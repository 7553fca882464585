namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>One line of <c>show servers state</c>: a server as the running HAProxy has it.</summary>
public sealed record ServerState(
    string Backend,
    string Name,
    int Id,
    string Address,
    int Port,
    int OperationalState,
    int AdminState)
{
    /// <summary>SRV_ST_STOPPED: the server is down.</summary>
    public const int Stopped = 0;

    /// <summary>srv_op_state of a server that is up.</summary>
    public const int Running = 2;

    /// <summary>Forced maintenance (FMAINT), inherited (IMAINT), from config (CMAINT) or resolution (RMAINT).</summary>
    public bool InMaintenance => (AdminState & (0x01 | 0x02 | 0x04 | 0x20)) != 0;

    /// <summary>Forced (FDRAIN) or inherited (IDRAIN) drain.</summary>
    public bool Draining => (AdminState & (0x08 | 0x10)) != 0;

    public bool IsDown => OperationalState == Stopped;

    /// <summary>Up (running), in no maintenance or drain: nothing about it is changing.</summary>
    public bool IsSteady => OperationalState == Running && AdminState == 0;

    public string? App => ServerKey.AppOf(Backend);

    /// <summary>The server's key, or null when it is not in one of our backends.</summary>
    public ServerKey? Key => ServerKey.Of(Backend, Name);

    /// <summary>up, down, drain or maint.</summary>
    public string Describe() => InMaintenance ? "maint" : Draining ? "drain" : IsDown ? "down" : "up";
}
