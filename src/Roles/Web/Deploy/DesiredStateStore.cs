using System.Text.Json;
using NodeAgent.Security;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Reads and writes <c>&lt;cluster&gt;/apps/&lt;app&gt;/desired.json</c>. Reads are bounded (<see cref="DeployJson.MaxBytes"/>,
/// checked before the body is read) and checked; writes are signed with the publish key. The signature covers the
/// document's exact bytes (and its S3 key), whatever fields it holds, and travels in the object's metadata
/// (<c>x-amz-meta-nodeagent-signature</c>), so the document's format can grow without touching the signature.
/// </summary>
public sealed class DesiredStateStore(IObjectStore store)
{
    /// <summary>The S3 metadata entry that carries the signature.</summary>
    public const string SignatureMetadata = "nodeagent-signature";

    /// <summary>Reads the desired release. Never throws for bad content (the reason is in <see cref="DesiredRead.Problem"/>);
    /// throws only when the store cannot be read.</summary>
    public async Task<DesiredRead> ReadAsync(string cluster, string app, CancellationToken cancellationToken)
    {
        var key = DeployKeys.Desired(cluster, app);
        StoredObject? obj;
        try
        {
            obj = await store.GetAsync(key, DeployJson.MaxBytes, cancellationToken);
        }
        catch (ObjectTooLargeException ex)
        {
            return new DesiredRead(null, null, null, null, ex.Message, null);
        }

        if (obj is null)
        {
            return DesiredRead.None;
        }

        var signature = obj.Info.Metadata.GetValueOrDefault(SignatureMetadata);
        var (desired, error) = DeployJson.Parse<DesiredRelease>(obj.Content);
        error ??= desired!.Check(cluster, app);
        if (error is not null)
        {
            return new DesiredRead(null, obj.Info.ETag, obj.Content, signature, $"{key} is unusable: {error}", ClaimedSequence(obj.Content));
        }

        return new DesiredRead(desired, obj.Info.ETag, obj.Content, signature, null, desired!.Sequence);
    }

    /// <summary>Why <paramref name="read"/> is not signed by <paramref name="key"/>; null when it is.</summary>
    public static string? CheckSignature(DesiredRead read, string cluster, string app, PublishKey? key)
    {
        if (key is null)
        {
            return "this node has no web.publish_key to verify the desired state with";
        }

        if (read.Signature is null)
        {
            return "desired.json is not signed (no nodeagent-signature metadata); publish with a nodeagent that signs (docs/security.md)";
        }

        return key.Verifies(DeployKeys.Desired(cluster, app), read.Content, read.Signature)
            ? null
            : "desired.json's signature does not verify with web.publish_key";
    }

    /// <summary>Writes the desired release, signed: replacing exactly <paramref name="expectedETag"/>, or only if absent
    /// when it is null. Throws <see cref="PreconditionFailedException"/> when the store detects that the object changed.</summary>
    public Task WriteAsync(DesiredRelease desired, string? expectedETag, PublishSigningKey signer, CancellationToken cancellationToken)
        => WriteAsync(desired, expectedETag, expectedETag is null, signer, cancellationToken);

    /// <summary>Writes the desired release, signed, with the given conditions (none: an unconditional replace, for a reset).</summary>
    public Task WriteAsync(DesiredRelease desired, string? ifMatch, bool ifNoneMatch, PublishSigningKey signer, CancellationToken cancellationToken)
    {
        var key = DeployKeys.Desired(desired.Cluster, desired.App);
        var content = DeployJson.Serialize(desired);
        return store.PutAsync(
            key,
            content,
            new PutOptions
            {
                ContentType = "application/json",
                IfMatch = ifMatch,
                IfNoneMatch = ifNoneMatch,
                Metadata = new Dictionary<string, string> { [SignatureMetadata] = signer.Sign(key, content) },
            },
            cancellationToken);
    }

    /// <summary>The sequence an unusable document claims, if it has a readable one (for reporting a rejection).</summary>
    private static long? ClaimedSequence(byte[] content)
    {
        try
        {
            using var doc = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 8 });
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("sequence", out var s)
                   && s.TryGetInt64(out var n) ? n : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
