using NodeAgent.Bootstrap;

namespace NodeAgent.Instance;

/// <summary>Reads the lifecycle notices and instance tags from instance metadata through the boot's IMDSv2 client.</summary>
public sealed class InstanceNoticeReader(ImdsClient imds, TimeProvider time)
{
    public const string TargetLifecycleStatePath = "latest/meta-data/autoscaling/target-lifecycle-state";
    public const string SpotActionPath = "latest/meta-data/spot/instance-action";
    public const string RebalancePath = "latest/meta-data/events/recommendations/rebalance";

    public async Task<InstanceNotices> ReadAsync(CancellationToken cancellationToken)
    {
        var state = await imds.GetAsync(TargetLifecycleStatePath, cancellationToken);
        var spot = await imds.GetAsync(SpotActionPath, cancellationToken);
        var rebalance = await imds.GetAsync(RebalancePath, cancellationToken);
        return InstanceNotices.Parse(state, spot, rebalance, time.GetUtcNow());
    }

    /// <summary>An instance tag (<c>tags/instance/KEY</c>; needs "instance metadata tags" enabled), or null.</summary>
    public async Task<string?> TagAsync(string key, CancellationToken cancellationToken)
        => (await imds.GetAsync($"latest/meta-data/tags/instance/{key}", cancellationToken))?.Trim();

    public async Task<string?> InstanceIdAsync(CancellationToken cancellationToken)
        => (await imds.GetAsync("latest/meta-data/instance-id", cancellationToken))?.Trim();

    public async Task<string?> RegionAsync(CancellationToken cancellationToken)
        => (await imds.GetAsync("latest/meta-data/placement/region", cancellationToken))?.Trim();
}
