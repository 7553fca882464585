using Amazon.KeyManagementService;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>Builds a node's <see cref="BackupCipher"/> from <c>db.backup.encryption</c> (one KMS client for all its KMS keys).</summary>
public static class BackupCiphers
{
    public static BackupCipher Create(BackupEncryptionConfig? encryption, AwsSection aws, ILogger logger)
    {
        if (encryption is null)
        {
            return BackupCipher.None;
        }

        IAmazonKeyManagementService? kms = null;
        var retry = AwsResilience.Create(aws.Retry, logger);
        var keys = new List<IKeyEncryptionKey>();
        foreach (var key in encryption.Keys)
        {
            if (key.KmsKeyId is { } kmsKeyId)
            {
                kms ??= CreateKms(aws, encryption.KmsEndpoint);
                keys.Add(new KmsKeyEncryptionKey(key.Id, kmsKeyId, kms, retry));
            }
            else
            {
                keys.Add(new LocalKeyEncryptionKey(key.Id, key.LocalKey!));
            }
        }

        return new BackupCipher(keys, encryption.ChunkSize, encryption.ReadPlaintext);
    }

    /// <summary>A KMS client like the agent's S3 client: explicit endpoint and credentials when configured, SDK retries off.</summary>
    public static IAmazonKeyManagementService CreateKms(AwsSection aws, Uri? endpoint)
    {
        var config = new AmazonKeyManagementServiceConfig { MaxErrorRetry = 0, Timeout = aws.Timeout };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = aws.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(aws.Region);
        }

        var credentials = AwsClientFactory.Credentials(aws);
        return credentials is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(credentials, config);
    }
}
