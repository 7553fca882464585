using System.Reflection;

namespace NodeAgent.Status;

/// <summary>The agent's version, from the assembly's informational version.</summary>
public static class AgentVersion
{
    public static readonly string Value =
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(AgentVersion).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
