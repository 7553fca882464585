namespace NodeAgent.Lifecycle;

/// <summary>
/// Work that must finish before the node counts as started: state checks, ensuring the queue, a web node catching up
/// to the desired release before its web server starts. Tasks run one at a time in <see cref="Order"/>; if one fails
/// the agent stops and never reports READY to systemd.
/// </summary>
public interface IStartupTask
{
    /// <summary>Position in the boot sequence; see <see cref="StartupOrder"/>.</summary>
    int Order { get; }

    string Name { get; }

    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Well-known positions in the boot sequence.</summary>
public static class StartupOrder
{
    public const int Queue = 100;
    public const int RoleCatchUp = 500;
    public const int RoleServe = 700;
    public const int Registration = 800;
    public const int Dns = 900;
}
