namespace NodeAgent.Bench;

/// <summary>Where the repository and the built agent are.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();

    public static string AgentDll => Path.Combine(Root, "src", "Executable", "bin", "Release", "net10.0", "nodeagent.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NodeAgent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find NodeAgent.sln");
    }
}
