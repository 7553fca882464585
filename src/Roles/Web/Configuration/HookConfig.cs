using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Configuration;

/// <summary>
/// A command run by the agent: an argument list (never a shell string), a timeout and extra environment. The first
/// item is the program; it is resolved on PATH if it is not absolute.
/// </summary>
public sealed record HookConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static HookConfig Default => new() { Command = default! };

    public required IReadOnlyList<string> Command { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public static HookConfig Read(ConfigReader r) => new()
    {
        Command = r.StringList("command", required: true, max: 256, allowNewlines: true),
        Timeout = r.Duration("timeout", Default.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(6)),
        Environment = r.StringMap("env", Names.EnvName(), Names.EnvNameHint),
    };
}
