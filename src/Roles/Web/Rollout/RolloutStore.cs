using NodeAgent.Messaging;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// Reads and writes the rollout objects of an app: the progress (<see cref="RolloutProgress"/>) and the operator's
/// control (<see cref="RolloutControl"/>). Both are signed with <c>queue.signing_key</c> when the node holds one
/// (metadata <c>nodeagent-signature</c>, over the key and the exact bytes) and refused when the signature does not
/// verify. Reads are bounded (64 KiB, checked before the body is read) and never throw for bad content: the reason
/// comes back instead.
/// </summary>
public sealed class RolloutStore(IObjectStore store, MessageCodec codec)
{
    public sealed record Read<T>(T? Value, string? Problem, string? ETag)
        where T : class
    {
        public static readonly Read<T> None = new(null, null, null);
    }

    public Task<Read<RolloutProgress>> ReadProgressAsync(string cluster, string app, CancellationToken cancellationToken)
        => ReadAsync<RolloutProgress>(DeployKeys.Rollout(cluster, app), cancellationToken);

    public Task<Read<RolloutControl>> ReadControlAsync(string cluster, string app, CancellationToken cancellationToken)
        => ReadAsync<RolloutControl>(DeployKeys.RolloutControl(cluster, app), cancellationToken);

    public Task WriteProgressAsync(RolloutProgress progress, CancellationToken cancellationToken)
        => WriteAsync(DeployKeys.Rollout(progress.Cluster, progress.App), progress, cancellationToken);

    public Task WriteControlAsync(RolloutControl control, CancellationToken cancellationToken)
        => WriteAsync(DeployKeys.RolloutControl(control.Cluster, control.App), control, cancellationToken);

    private async Task<Read<T>> ReadAsync<T>(string key, CancellationToken cancellationToken)
        where T : class
    {
        StoredObject? obj;
        try
        {
            obj = await store.GetAsync(key, DeployJson.MaxBytes, cancellationToken);
        }
        catch (ObjectTooLargeException ex)
        {
            return new Read<T>(null, ex.Message, null);
        }

        if (obj is null)
        {
            return Read<T>.None;
        }

        if (codec.CheckObject(key, obj.Content, obj.Info.Metadata.GetValueOrDefault(DesiredStateStore.SignatureMetadata)) is { } unsigned)
        {
            return new Read<T>(null, $"{key} is refused: {unsigned}", obj.Info.ETag);
        }

        var (value, error) = DeployJson.Parse<T>(obj.Content);
        return value is null ? new Read<T>(null, $"{key} is unusable: {error}", obj.Info.ETag) : new Read<T>(value, null, obj.Info.ETag);
    }

    private async Task WriteAsync<T>(string key, T value, CancellationToken cancellationToken)
    {
        var content = DeployJson.Serialize(value);
        var metadata = new Dictionary<string, string>();
        if (codec.SignObject(key, content) is { } signature)
        {
            metadata[DesiredStateStore.SignatureMetadata] = signature;
        }

        await store.PutAsync(key, content, new PutOptions { ContentType = "application/json", Metadata = metadata }, cancellationToken);
    }
}
