using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// <c>db.backup.encryption</c> as the archive settings file carries it for wal-push/wal-fetch. Local keys given as
/// <c>{file:}</c> or <c>{env:}</c> stay references (the database's OS user must be able to read that file); a literal
/// key is written into the settings file, which only root and that user's group can read.
/// </summary>
public sealed record ArchiveEncryptionSettings
{
    public required List<ArchiveKeySettings> Keys { get; init; }

    public string? KmsEndpoint { get; set; }

    public bool ReadPlaintext { get; set; }

    public int ChunkSize { get; set; } = 1 << 20;

    public static ArchiveEncryptionSettings? From(BackupEncryptionConfig? config) => config is null ? null : new()
    {
        Keys = config.Keys.Select(k => new ArchiveKeySettings { Id = k.Id, KmsKeyId = k.KmsKeyId, LocalKey = SecretReference.From(k.LocalKey) }).ToList(),
        KmsEndpoint = config.KmsEndpoint?.ToString(),
        ReadPlaintext = config.ReadPlaintext,
        ChunkSize = config.ChunkSize,
    };

    public BackupEncryptionConfig ToConfig() => new()
    {
        Keys = Keys.Select(k => new BackupKeyConfig { Id = k.Id, KmsKeyId = k.KmsKeyId, LocalKey = k.LocalKey?.ToSecret() }).ToList(),
        KmsEndpoint = KmsEndpoint is null ? null : new Uri(KmsEndpoint),
        ReadPlaintext = ReadPlaintext,
        ChunkSize = ChunkSize,
    };
}

/// <summary>One key of <see cref="ArchiveEncryptionSettings"/>.</summary>
public sealed record ArchiveKeySettings
{
    public required string Id { get; init; }

    public string? KmsKeyId { get; set; }

    public SecretReference? LocalKey { get; set; }
}
