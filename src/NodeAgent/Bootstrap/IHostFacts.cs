namespace NodeAgent.Bootstrap;

/// <summary>Facts about the host the agent runs on that are not in user-data.</summary>
public interface IHostFacts
{
    /// <summary>A stable id of this machine (systemd's /etc/machine-id), or null.</summary>
    string? MachineId();
}
