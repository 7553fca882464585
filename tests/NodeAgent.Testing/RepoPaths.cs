namespace NodeAgent.Testing;

/// <summary>Paths inside the repository and to the built agent, found from the test assembly's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Examples => Path.Combine(Root, "install", "examples");

    public static string FauxqsDir => Path.Combine(Root, ".local", "fauxqs");

    public static string FauxqsLauncher => Path.Combine(Root, "tools", "localstack", "fauxqs-server.mjs");

    /// <summary>The agent's entry assembly in its own build output (same configuration as the tests).</summary>
    public static string AgentDll => Path.Combine(Root, "src", "Executable", "bin", Configuration, "net10.0", "nodeagent.dll");

    private static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NodeAgent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"cannot find NodeAgent.sln above {AppContext.BaseDirectory}");
    }
}
