namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// The configured engine cannot do this operation (e.g. <c>backup verify</c> on MariaDB). The message says so and what
/// to do instead; the commands show it as a usage error.
/// </summary>
public sealed class EngineOperationNotSupportedException(string engine, string operation, string message) : NotSupportedException(message)
{
    /// <summary>The engine that said no, e.g. "MariaDB".</summary>
    public string Engine { get; } = engine;

    /// <summary>The operation, e.g. "backup verify".</summary>
    public string Operation { get; } = operation;
}
