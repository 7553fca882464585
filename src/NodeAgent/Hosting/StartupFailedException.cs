namespace NodeAgent.Hosting;

/// <summary>A startup task failed; the node does not start.</summary>
public sealed class StartupFailedException(string task, Exception inner)
    : Exception($"startup task '{task}' failed: {inner.Message}", inner)
{
    public string Task { get; } = task;
}
