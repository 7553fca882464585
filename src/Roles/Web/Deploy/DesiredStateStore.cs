using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Reads and writes <c>&lt;cluster&gt;/apps/&lt;app&gt;/desired.json</c>, checking what it reads.</summary>
public sealed class DesiredStateStore(IObjectStore store)
{
    /// <summary>The desired release and its ETag; (null, null) when nothing was ever published for the app.
    /// Throws <see cref="InvalidDataException"/> when the object is unusable.</summary>
    public async Task<(DesiredRelease? Desired, string? ETag)> ReadAsync(string cluster, string app, CancellationToken cancellationToken)
    {
        var key = DeployKeys.Desired(cluster, app);
        var obj = await store.GetAsync(key, cancellationToken);
        if (obj is null)
        {
            return (null, null);
        }

        var (desired, error) = DeployJson.Parse<DesiredRelease>(obj.Content);
        error ??= desired!.Check(cluster, app);
        if (error is not null)
        {
            throw new InvalidDataException($"{key} is unusable: {error}");
        }

        return (desired, obj.Info.ETag);
    }

    /// <summary>Writes the desired release: replacing exactly <paramref name="expectedETag"/>, or only if absent when it
    /// is null. Throws <see cref="PreconditionFailedException"/> when the store detects that the object changed.</summary>
    public Task WriteAsync(DesiredRelease desired, string? expectedETag, CancellationToken cancellationToken)
        => store.PutAsync(
            DeployKeys.Desired(desired.Cluster, desired.App),
            DeployJson.Serialize(desired),
            new PutOptions { ContentType = "application/json", IfMatch = expectedETag, IfNoneMatch = expectedETag is null },
            cancellationToken);
}
