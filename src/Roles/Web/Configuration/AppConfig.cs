using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Configuration;

/// <summary>
/// One app under <c>web.apps</c>. Its repository, credentials and hooks come only from here: a deploy message names an
/// app and a revision, nothing else.
/// </summary>
public sealed record AppConfig
{
    public required string Name { get; init; }

    public required RepositoryConfig Repository { get; init; }

    /// <summary>Paths under <c>&lt;root&gt;/&lt;app&gt;/shared</c> symlinked into every release at the same relative path.</summary>
    public IReadOnlyList<string> Shared { get; init; } = [];

    public HookConfig? BuildHook { get; init; }

    public HookConfig? AfterSwapHook { get; init; }

    public HookConfig? ValidateHook { get; init; }

    /// <summary>Upper bound for one whole deploy (checkout, build, swap, validate).</summary>
    public TimeSpan DeployTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary><c>rollout:</c> how publishes of the app roll out unless <c>nodeagent deploy</c> says otherwise
    /// (default: all at once). docs/deploys.md#rollouts.</summary>
    public Rollout.RolloutSettings Rollout { get; init; } = new();

    /// <summary><c>delta</c> (default): build a release from the current one when that is safe; <c>full</c>: always
    /// write every file.</summary>
    public ReleaseMode ReleaseMode { get; init; } = ReleaseMode.Delta;

    private static readonly Dictionary<string, ReleaseMode> ReleaseModes = new()
    {
        ["delta"] = ReleaseMode.Delta,
        ["full"] = ReleaseMode.Full,
    };

    public static AppConfig? Read(ConfigReader r)
    {
        var name = r.String("name", required: true, pattern: Names.App(), patternHint: Names.AppHint);
        var repository = r.Section("repository", RepositoryConfig.Read, required: true);
        var shared = r.StringList("shared", max: 100, pattern: Names.RelativePath(), patternHint: Names.RelativePathHint);
        HookConfig? build = null, afterSwap = null, validate = null;
        var hooks = r.Section("hooks");
        if (hooks is not null)
        {
            build = hooks.Section("build", HookConfig.Read);
            afterSwap = hooks.Section("after_swap", HookConfig.Read);
            validate = hooks.Section("validate", HookConfig.Read);
            hooks.Finish();
        }

        var defaults = new AppConfig { Name = string.Empty, Repository = null! };
        var timeout = r.Duration("deploy_timeout", defaults.DeployTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(12));
        var releaseMode = r.Choice("release_mode", defaults.ReleaseMode, ReleaseModes);
        var rollout = r.Section("rollout", Web.Rollout.RolloutSettings.Read) ?? new Web.Rollout.RolloutSettings();
        if (name is null || repository is null)
        {
            return null;
        }

        return new AppConfig
        {
            Name = name,
            Repository = repository,
            Shared = shared,
            BuildHook = build,
            AfterSwapHook = afterSwap,
            ValidateHook = validate,
            DeployTimeout = timeout,
            Rollout = rollout,
            ReleaseMode = releaseMode,
        };
    }
}
