namespace NodeAgent.Configuration;

/// <summary>
/// What the configuration reader needs from a role plug-in: its name (the value of <c>role:</c> and the key of its
/// section) and how to read that section. Every error goes to the reader, with its path.
/// </summary>
public interface IRoleSectionReader
{
    /// <summary>The role's name in user-data (<c>role: web</c>), the key of its section and the registry's role.</summary>
    string Name { get; }

    /// <summary>Reads and validates the role's section; called only for the node's own role.</summary>
    IRoleSection ReadSection(ConfigReader section);
}
