namespace NodeAgent.AutoScaling;

/// <summary>Auto Scaling has no lifecycle action waiting for this instance on the hook (ValidationError "No active Lifecycle Action found").</summary>
public sealed class LifecycleActionNotFoundException(string message, Exception inner) : Exception(message, inner);
