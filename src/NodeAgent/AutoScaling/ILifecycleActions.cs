namespace NodeAgent.AutoScaling;

/// <summary>
/// The two Auto Scaling calls the agent makes on its own lifecycle hooks. Both address the action by instance id (the
/// agent never sees the action token). When the instance has no action waiting on the hook (it timed out, was
/// completed already, or there is no hook) they throw <see cref="LifecycleActionNotFoundException"/>.
/// </summary>
public interface ILifecycleActions
{
    Task CompleteAsync(LifecycleHookTarget hook, string instanceId, LifecycleActionResult result, CancellationToken cancellationToken);

    Task RecordHeartbeatAsync(LifecycleHookTarget hook, string instanceId, CancellationToken cancellationToken);
}
