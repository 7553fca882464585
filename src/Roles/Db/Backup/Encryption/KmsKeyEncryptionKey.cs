using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Polly;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// A KMS key-encryption key: <c>GenerateDataKey</c> (AES_256) for every object, <c>Decrypt</c> to read one back, both
/// with the encryption context <c>{"nodeagent": "backup"}</c> and through the agent's one AWS retry pipeline. The SDK
/// client stays inside this class.
/// </summary>
public sealed class KmsKeyEncryptionKey(string id, string kmsKeyId, IAmazonKeyManagementService kms, ResiliencePipeline retry) : IKeyEncryptionKey
{
    private static readonly Dictionary<string, string> Context = new() { ["nodeagent"] = "backup" };

    public string Id => id;

    public string Kind => "kms";

    public async Task<DataKey> GenerateDataKeyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await retry.ExecuteAsync(
                async ct => await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = kmsKeyId, KeySpec = DataKeySpec.AES_256, EncryptionContext = Context }, ct),
                cancellationToken);
            var plaintext = response.Plaintext.ToArray();
            CryptographicZero(response.Plaintext);
            if (plaintext.Length != 32)
            {
                throw new BackupKeyException($"KMS key '{id}' ({kmsKeyId}) returned a {plaintext.Length}-byte data key, not 32");
            }

            return new DataKey(plaintext, response.CiphertextBlob.ToArray(), id);
        }
        catch (AmazonServiceException ex)
        {
            throw new BackupKeyException($"KMS key '{id}' ({kmsKeyId}) cannot generate a data key: {ex.ErrorCode}: {ex.Message}; nothing is stored unencrypted", ex);
        }
    }

    public async Task<byte[]> UnwrapAsync(byte[] wrapped, string objectKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await retry.ExecuteAsync(
                async ct => await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(wrapped), KeyId = kmsKeyId, EncryptionContext = Context }, ct),
                cancellationToken);
            var plaintext = response.Plaintext.ToArray();
            CryptographicZero(response.Plaintext);
            return plaintext;
        }
        catch (AmazonServiceException ex)
        {
            throw new BackupKeyException($"{objectKey}: KMS key '{id}' ({kmsKeyId}) cannot unwrap its data key: {ex.ErrorCode}: {ex.Message}", ex);
        }
    }

    private static void CryptographicZero(MemoryStream stream)
    {
        if (stream.TryGetBuffer(out var buffer))
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer.AsSpan());
        }
    }
}
