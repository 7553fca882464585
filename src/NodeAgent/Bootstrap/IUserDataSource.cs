namespace NodeAgent.Bootstrap;

/// <summary>Where a node's user-data comes from: EC2 instance metadata, or a file on hosts that are not EC2.</summary>
public interface IUserDataSource
{
    /// <summary>Human-readable name of the source, e.g. <c>file /etc/nodeagent/user-data.yaml</c>.</summary>
    string Description { get; }

    Task<RawUserData> FetchAsync(CancellationToken cancellationToken);
}
