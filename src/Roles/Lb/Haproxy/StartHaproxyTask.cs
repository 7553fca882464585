using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Status;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// Startup: HAProxy serving before the lb registers. Regenerates the config from the membership of the last run (so
/// the backends are there at once, before any registry listing), makes sure the server-state file exists (drain and
/// maintenance states carry over), binds the access-log socket, validates and starts HAProxy.
/// </summary>
public sealed class StartHaproxyTask(
    HaproxyConfigFiles files,
    AccessLogReceiver accessLog,
    HaproxyProcess process,
    NodeStatusBoard board,
    ReadinessState readiness) : IStartupTask
{
    public const string ReadinessCheck = "haproxy";

    public int Order => StartupOrder.RoleServe;

    public string Name => "start HAProxy";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        files.Write(files.Load());
        files.EnsureStateFile();
        accessLog.Bind();
        await process.StartAsync(cancellationToken);
        readiness.Set(ReadinessCheck, true, $"master {process.MasterPid} running");
        board.SetHealth(NodeHealth.Healthy);
    }
}
