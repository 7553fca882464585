namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// One server of one app's backend: the app and the web node (the server's name is the node id). The one place that
/// spells the names HAProxy and the agent use for it: the key <c>app/node</c> (<see cref="ToString"/>,
/// <see cref="Parse"/>), the backend <c>be_&lt;app&gt;</c> (<see cref="BackendName"/>, <see cref="AppOf"/>) and the
/// server path <c>be_&lt;app&gt;/node</c> of the runtime API, <c>show stat</c> and the logs (<see cref="Path"/>).
/// </summary>
public readonly record struct ServerKey(string App, string NodeId)
{
    private const string BackendPrefix = "be_";

    /// <summary>The HAProxy backend of the app.</summary>
    public string Backend => BackendName(App);

    /// <summary><c>be_&lt;app&gt;/node</c>, as the runtime API and <c>show stat</c> name the server.</summary>
    public string Path => $"{Backend}/{NodeId}";

    public static string BackendName(string app) => BackendPrefix + app;

    /// <summary>The app of a backend we generated, or null for any other proxy.</summary>
    public static string? AppOf(string backend)
        => backend.StartsWith(BackendPrefix, StringComparison.Ordinal) ? backend[BackendPrefix.Length..] : null;

    /// <summary>The key of server <paramref name="name"/> in HAProxy backend <paramref name="backend"/>; null when the backend is not one of ours.</summary>
    public static ServerKey? Of(string backend, string name) => AppOf(backend) is { } app ? new ServerKey(app, name) : null;

    /// <summary><c>app/node</c>.</summary>
    public override string ToString() => $"{App}/{NodeId}";

    /// <summary>Reads <c>app/node</c> (both parts non-empty, one slash); the inverse of <see cref="ToString"/>.</summary>
    public static bool TryParse(string? text, out ServerKey key)
    {
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
        {
            key = default;
            return false;
        }

        key = new ServerKey(text[..slash], text[(slash + 1)..]);
        return true;
    }

    public static ServerKey Parse(string text)
        => TryParse(text, out var key) ? key : throw new FormatException($"'{text}' is not a server key (app/node)");
}
