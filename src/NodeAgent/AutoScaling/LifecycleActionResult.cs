namespace NodeAgent.AutoScaling;

/// <summary>How a lifecycle action is completed: the instance goes on (<c>CONTINUE</c>) or the group gives up on it (<c>ABANDON</c>).</summary>
public enum LifecycleActionResult
{
    Continue,
    Abandon,
}
