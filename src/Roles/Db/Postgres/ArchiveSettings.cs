using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Everything <c>wal-push</c> and <c>wal-fetch</c> need, in one small JSON file the agent writes from user-data
/// (<see cref="ArchiveConfigWriter"/>) where the postgres user can read it. PostgreSQL starts one archive_command per
/// segment, so the file is cheap to read: no YAML, no user-data fetch, no identity resolution. Secrets given as
/// <c>{file:}</c> or <c>{env:}</c> stay references; a literal secret is written into the file, which is why it is
/// mode 0640 and group-owned by the database's OS user.
/// </summary>
public sealed record ArchiveSettings
{
    // Optional settings are { get; set; } rather than init: the JSON source generator keeps an initializer's default
    // for a field that is absent from the file only for settable properties.

    /// <summary>Format 1: no encryption. Format 2: with <see cref="Encryption"/>, so an agent that predates encryption refuses the file rather than archiving in the clear.</summary>
    public const int CurrentFormat = 2;

    public const int PlainFormat = 1;

    public int Format { get; set; } = PlainFormat;

    public required string Region { get; init; }

    public required string Bucket { get; init; }

    public string? S3Endpoint { get; set; }

    public bool ForcePathStyle { get; set; }

    public string? AccessKeyId { get; set; }

    public SecretReference? SecretAccessKey { get; set; }

    public SecretReference? SessionToken { get; set; }

    public int TimeoutMs { get; set; } = 30_000;

    public int RetryMaxAttempts { get; set; } = 5;

    public int RetryBaseDelayMs { get; set; } = 200;

    public int RetryMaxDelayMs { get; set; } = 10_000;

    /// <summary>Key prefix of this cluster's archive, without a trailing slash.</summary>
    public required string Prefix { get; init; }

    public required string DataDir { get; init; }

    public int CompressionLevel { get; set; } = 3;

    /// <summary>Segments wal-fetch downloads ahead of the one PostgreSQL asks for.</summary>
    public int Prefetch { get; set; } = 8;

    /// <summary>Client-side encryption (<c>db.backup.encryption</c>); null: none.</summary>
    public ArchiveEncryptionSettings? Encryption { get; set; }

    /// <summary>The <c>aws:</c> section these settings describe, for the shared client factory.</summary>
    public AwsSection ToAwsSection() => new()
    {
        Region = Region,
        Bucket = Bucket,
        S3Endpoint = S3Endpoint is null ? null : new Uri(S3Endpoint),
        S3ForcePathStyle = ForcePathStyle,
        Credentials = AccessKeyId is null || SecretAccessKey is null ? null : new AwsCredentialsConfig
        {
            AccessKeyId = AccessKeyId,
            SecretAccessKey = SecretAccessKey.ToSecret(),
            SessionToken = SessionToken?.ToSecret(),
        },
        Timeout = TimeSpan.FromMilliseconds(TimeoutMs),
        Retry = new RetryConfig
        {
            MaxAttempts = RetryMaxAttempts,
            BaseDelay = TimeSpan.FromMilliseconds(RetryBaseDelayMs),
            MaxDelay = TimeSpan.FromMilliseconds(RetryMaxDelayMs),
        },
    };

    public static ArchiveSettings From(AwsSection aws, string prefix, string dataDir, int compressionLevel, int prefetch, BackupEncryptionConfig? encryption = null) => new()
    {
        Format = encryption is null ? PlainFormat : CurrentFormat,
        Encryption = ArchiveEncryptionSettings.From(encryption),
        Region = aws.Region,
        Bucket = aws.Bucket,
        S3Endpoint = aws.S3Endpoint?.ToString(),
        ForcePathStyle = aws.S3ForcePathStyle,
        AccessKeyId = aws.Credentials?.AccessKeyId,
        SecretAccessKey = SecretReference.From(aws.Credentials?.SecretAccessKey),
        SessionToken = SecretReference.From(aws.Credentials?.SessionToken),
        TimeoutMs = (int)aws.Timeout.TotalMilliseconds,
        RetryMaxAttempts = aws.Retry.MaxAttempts,
        RetryBaseDelayMs = (int)aws.Retry.BaseDelay.TotalMilliseconds,
        RetryMaxDelayMs = (int)aws.Retry.MaxDelay.TotalMilliseconds,
        Prefix = prefix,
        DataDir = dataDir,
        CompressionLevel = compressionLevel,
        Prefetch = prefetch,
    };

    public string ToJson() => JsonSerializer.Serialize(this, ArchiveSettingsJson.Default.ArchiveSettings);

    /// <summary>Reads a settings file, with an error that names the file and what is wrong.</summary>
    public static ArchiveSettings Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArchiveSettingsException($"cannot read archive settings {path}: {ex.Message}", ex);
        }

        ArchiveSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize(text, ArchiveSettingsJson.Default.ArchiveSettings);
        }
        catch (JsonException ex)
        {
            throw new ArchiveSettingsException($"archive settings {path} are not valid: {ex.Message}", ex);
        }

        if (settings is null || settings.Format is not (PlainFormat or CurrentFormat))
        {
            throw new ArchiveSettingsException($"archive settings {path} have format {settings?.Format}; this agent understands {PlainFormat} and {CurrentFormat}");
        }

        if ((settings.Format == CurrentFormat) != (settings.Encryption is not null) || settings.Encryption is { Keys.Count: 0 })
        {
            throw new ArchiveSettingsException($"archive settings {path}: format {settings.Format} and the encryption settings do not agree");
        }

        return settings;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ArchiveSettings))]
internal sealed partial class ArchiveSettingsJson : JsonSerializerContext;
