using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// <c>nodeagent rollback APP [--to ID]</c>: switches <c>current</c> back to the previous release (or the one named),
/// under the app's deploy lock, then runs <c>after_swap</c>. Local and instant: nothing is checked out and S3 is not
/// touched. The applied sequence stays, so the safety poll does not undo it; the next publish deploys forward.
/// </summary>
public sealed class LocalRollback(WebSection web, AgentConfig config, DeployStateStore states, HookRunner hooks, TimeProvider time)
{
    public async Task<(ReleaseId From, ReleaseId To)> RunAsync(string app, string? to, CancellationToken cancellationToken)
    {
        var appConfig = web.Apps.FirstOrDefault(a => a.Name == app)
                        ?? throw new ArgumentException($"app '{app}' is not configured on this node");
        var layout = new ReleaseLayout(web.Root, app);
        using var deployLock = await DeployLock.AcquireAsync(
            config.Node.StateDir, app, "nodeagent rollback", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10), time, cancellationToken);
        var current = layout.Current() ?? throw new InvalidOperationException($"app '{app}' has no current release");
        var releases = layout.List();
        var state = states.Load(app);
        ReleaseId target;
        if (to is not null)
        {
            target = ReleaseId.Parse(to) is { } id && releases.Any(r => r.Value == id.Value)
                ? id
                : throw new ArgumentException($"'{to}' is not a complete release of app '{app}' (see: nodeagent releases {app})");
        }
        else
        {
            target = releases.FirstOrDefault(r => r.Value == state.PreviousRelease && r.Value != current.Value)
                     ?? releases.LastOrDefault(r => string.CompareOrdinal(r.Value, current.Value) < 0)
                     ?? throw new InvalidOperationException($"app '{app}' has no release before {current}");
        }

        if (target.Value == current.Value)
        {
            throw new InvalidOperationException($"{target} is already current");
        }

        layout.Switch(target);
        states.Save(app, state with { Release = target.Value, PreviousRelease = current.Value, RolledBackByHand = true });
        if (appConfig.AfterSwapHook is { } afterSwap)
        {
            var env = new Dictionary<string, string>
            {
                ["NODEAGENT_APP"] = app,
                ["NODEAGENT_RELEASE"] = target.Value,
                ["NODEAGENT_RELEASE_DIR"] = layout.ReleaseDir(target.Value),
                ["NODEAGENT_CURRENT"] = layout.CurrentLink,
                ["NODEAGENT_SHARED_DIR"] = layout.SharedDir,
                ["NODEAGENT_REVISION"] = target.Revision,
                ["NODEAGENT_SEQUENCE"] = target.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["NODEAGENT_PREVIOUS_RELEASE_DIR"] = layout.ReleaseDir(current.Value),
            };
            var result = await hooks.RunAsync(app, "after_swap", afterSwap, layout.ReleaseDir(target.Value), env, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"switched to {target}, but {result.Failure}:\n{result.Output}");
            }
        }

        return (current, target);
    }
}
