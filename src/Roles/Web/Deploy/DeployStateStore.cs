using Microsoft.Extensions.Logging;
using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Reads and atomically replaces each app's <see cref="AppDeployState"/> under the node's state dir.</summary>
public sealed partial class DeployStateStore(string stateDir, ILogger<DeployStateStore> logger)
{
    public string DeployDir { get; } = Path.Combine(stateDir, "deploy");

    public string PathOf(string app) => Path.Combine(DeployDir, "apps", app + ".json");

    /// <summary>The app's state; an empty state when there is none yet or the file is unreadable (then the desired
    /// release is simply deployed again).</summary>
    public AppDeployState Load(string app)
    {
        var path = PathOf(app);
        if (!File.Exists(path))
        {
            return new AppDeployState();
        }

        var (state, error) = DeployJson.Parse<AppDeployState>(File.ReadAllBytes(path));
        if (state is null)
        {
            LogUnreadable(logger, path, error!);
            return new AppDeployState();
        }

        return state;
    }

    public void Save(string app, AppDeployState state) => AtomicFile.WriteAllBytes(PathOf(app), DeployJson.Serialize(state));

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Deploy state {Path} is unreadable ({Error}); starting from scratch")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);
}
