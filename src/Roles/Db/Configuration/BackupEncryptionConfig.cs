using System.Text.RegularExpressions;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Configuration;

/// <summary>
/// <c>db.backup.encryption</c>: client-side encryption of every object under the backup prefix (docs/backups.md). Each
/// object gets its own data key, wrapped by a key-encryption key from <see cref="Keys"/>: the <b>first</b> key wraps
/// new objects; the others only unwrap (rotation: put the new key first, keep the old ones while objects wrapped by
/// them are kept).
/// </summary>
public sealed partial record BackupEncryptionConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static BackupEncryptionConfig Default => new() { Keys = [] };

    /// <summary>The key-encryption keys; the first wraps new objects.</summary>
    public required IReadOnlyList<BackupKeyConfig> Keys { get; init; }

    /// <summary>KMS endpoint (a KMS-compatible server or a VPC endpoint); default: the region's.</summary>
    public Uri? KmsEndpoint { get; init; }

    /// <summary>
    /// Accept objects that are not encrypted (backups taken before encryption was turned on). Off by default: with
    /// encryption on, a plaintext object under the prefix is refused as possibly substituted.
    /// </summary>
    public bool ReadPlaintext { get; init; }

    /// <summary>Plaintext bytes per authenticated chunk.</summary>
    public int ChunkSize { get; init; } = 1 << 20;

    public BackupKeyConfig Current => Keys[0];

    public static BackupEncryptionConfig Read(ConfigReader r)
    {
        var keys = r.List("keys", BackupKeyConfig.Read, required: true, max: 16);
        if (keys.Count == 0 && !r.HasErrors)
        {
            r.Error("keys", "needs at least one key (the first wraps new objects)");
        }

        foreach (var duplicate in keys.GroupBy(k => k.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            r.Error("keys", $"key id '{duplicate.Key}' appears more than once");
        }

        return new BackupEncryptionConfig
        {
            Keys = keys,
            KmsEndpoint = r.Url("kms_endpoint", schemes: ["http", "https"]),
            ReadPlaintext = r.Bool("read_plaintext", Default.ReadPlaintext),
            ChunkSize = (int)r.Size("chunk_size", Default.ChunkSize, 4096, 64L << 20),
        };
    }
}

/// <summary>One key-encryption key: a KMS key (<c>kms_key_id</c>) or a local 256-bit key (<c>local_key</c>, a secret).</summary>
public sealed partial record BackupKeyConfig
{
    /// <summary>The name recorded with every object this key wraps; unique among the keys, never reused for other key material.</summary>
    public required string Id { get; init; }

    /// <summary>A KMS key id, ARN or alias (GenerateDataKey / Decrypt).</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>A local key: 32 random bytes, base64 (44 characters) or hex (64), e.g. <c>{file: /etc/nodeagent/backup.key}</c>.</summary>
    public SecretValue? LocalKey { get; init; }

    public static BackupKeyConfig? Read(ConfigReader r)
    {
        var id = r.String("id", required: true, pattern: KeyId(), patternHint: "1-64 of A-Z a-z 0-9 . _ : / -");
        var kms = r.String("kms_key_id", maxLength: 2048, pattern: KmsKey(), patternHint: "a KMS key id, ARN or alias/NAME");
        var local = r.Secret("local_key");
        if ((kms is null) == (local is null))
        {
            r.ErrorHere("expected exactly one of 'kms_key_id' or 'local_key'");
        }

        return id is null ? null : new BackupKeyConfig { Id = id, KmsKeyId = kms, LocalKey = local };
    }

    [GeneratedRegex("\\A[A-Za-z0-9._:/-]{1,64}\\z")]
    private static partial Regex KeyId();

    [GeneratedRegex("\\A[A-Za-z0-9:/_.-]{1,2048}\\z")]
    private static partial Regex KmsKey();
}
