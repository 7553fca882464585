namespace NodeAgent.AutoScaling;

/// <summary>One lifecycle hook of one Auto Scaling group, and where its names came from (user-data or instance tags).</summary>
public sealed record LifecycleHookTarget(string Group, string Hook, string Source)
{
    public override string ToString() => $"{Group}/{Hook} ({Source})";
}
