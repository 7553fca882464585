namespace NodeAgent.Storage;

/// <summary>How large an S3 document the agent parses may be. Reads of documents go through the bounded
/// <see cref="IObjectStore.GetAsync(string, long, CancellationToken)"/> with one of these.</summary>
public static class DocumentLimits
{
    /// <summary>Manifests and identities written by the agent (backup manifests, archive identity): small JSON.</summary>
    public const long Manifest = 1024 * 1024;
}
