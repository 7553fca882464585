using System.Security.Cryptography;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Backup.Encryption;

/// <summary>The encrypted object format and its keys, in memory: round trips, and every kind of damage failing by name.</summary>
public sealed class BackupCipherTests : IDisposable
{
    private const string Prefix = "c/backups/mariadb/db-1";
    private const string Key = Prefix + "/binlog/mariadb-bin.000007.zst";
    private const int Chunk = 4096;
    private readonly TempDir _dir = new("nodeagent-cipher");
    private readonly ConditionalStore _store = new();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk + 1234)]
    [InlineData(4 * Chunk)]
    public async Task SealThenOpen_GivesBackEveryByte_WholeAndStreamed(int length)
    {
        var cipher = Cipher(("k1", LocalKey("k1")));
        var content = RandomNumberGenerator.GetBytes(length);

        using var sealer = await cipher.SealerAsync(_store, Prefix, Key, CancellationToken.None);
        var stored = sealer.Seal(content);
        var whole = await cipher.OpenAsync(stored, Prefix, Key, CancellationToken.None);
        await using var stream = await cipher.OpenReadAsync(new MemoryStream(stored), Prefix, Key, CancellationToken.None);
        var streamed = new MemoryStream();
        await stream.CopyToAsync(streamed, 333);

        Assert.Equal(content, whole);
        Assert.Equal(content, streamed.ToArray());
        Assert.True(BackupCipher.IsEncrypted(stored));
        Assert.Equal(length + Math.Max(1, (length + Chunk - 1) / Chunk) * ChunkCipher.TagSize, stored.Length - EncryptedObjectHeader.Parse(stored, Key, out _).Encode().Length);
        Assert.Equal("k1", sealer.Metadata[BackupCipher.KeyIdMetadata]);
    }

    [Fact]
    public async Task StreamedSealing_MatchesWholeSealing_InFormat_AndOpens()
    {
        var cipher = Cipher(("k1", LocalKey("k1")));
        var content = RandomNumberGenerator.GetBytes(5 * Chunk + 17);
        using var sealer = await cipher.SealerAsync(_store, Prefix, Key, CancellationToken.None);
        var output = new MemoryStream();
        await using (var sealing = sealer.Wrap(output))
        {
            foreach (var piece in content.Chunk(1000))
            {
                await sealing.WriteAsync(piece);
            }
        }

        Assert.Equal(content, await cipher.OpenAsync(output.ToArray(), Prefix, Key, CancellationToken.None));
    }

    [Theory]
    [InlineData(3, "header")]
    [InlineData(40, "header")]
    [InlineData(-1, "last tag")]
    [InlineData(-20, "last chunk")]
    [InlineData(-(2 * Chunk), "a middle chunk")]
    public async Task OneFlippedByte_AnywhereInTheObject_FailsNamingIt(int offset, string where)
    {
        var (cipher, stored) = await SealedAsync(3 * Chunk + 100);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => cipher.OpenAsync(EncryptedObjects.FlipByte(stored, offset), Prefix, Key, CancellationToken.None));

        Assert.True(ex is InvalidDataException or BackupKeyException, $"{where}: {ex}");
        Assert.Contains(Key, ex.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(100 + ChunkCipher.TagSize)]
    [InlineData(Chunk + 100 + ChunkCipher.TagSize)]
    public async Task Truncation_MidChunkOrAtAChunkBoundary_FailsNamingTheObject(int cut)
    {
        var (cipher, stored) = await SealedAsync(3 * Chunk + 100);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => cipher.OpenAsync(EncryptedObjects.Truncate(stored, cut), Prefix, Key, CancellationToken.None));

        Assert.Contains(Key, ex.Message);
    }

    [Fact]
    public async Task TwoChunksSwapped_FailAuthentication_NamingTheObjectAndTheChunk()
    {
        var (cipher, stored) = await SealedAsync(4 * Chunk + 100);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => cipher.OpenAsync(EncryptedObjects.SwapChunks(stored, 1, 2), Prefix, Key, CancellationToken.None));

        Assert.Contains(Key, ex.Message);
        Assert.Contains("chunk 1", ex.Message);
    }

    [Fact]
    public async Task BytesAppendedAfterTheFinalChunk_AreRefused()
    {
        var (cipher, stored) = await SealedAsync(2 * Chunk);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => cipher.OpenAsync([.. stored, .. new byte[Chunk + ChunkCipher.TagSize]], Prefix, Key, CancellationToken.None));

        Assert.Contains(Key, ex.Message);
    }

    [Fact]
    public async Task AnObjectCopiedUnderAnotherName_IsRefused_AsBelongingToItsOriginalKey()
    {
        var (cipher, stored) = await SealedAsync(100);
        var other = Prefix + "/binlog/mariadb-bin.000008.zst";

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => cipher.OpenAsync(stored, Prefix, other, CancellationToken.None));

        Assert.Contains(other, ex.Message);
        Assert.Contains("binlog/mariadb-bin.000007.zst", ex.Message);
    }

    [Fact]
    public async Task AfterRotation_NewObjectsUseTheNewKey_AndOldOnesStayReadable_WhileTheOldKeyIsConfigured()
    {
        var k1 = LocalKey("k1");
        var k2 = LocalKey("k2");
        var (before, old) = await SealedAsync(1000, Cipher(("k1", k1)));
        var rotated = Cipher(("k2", k2), ("k1", k1));

        using var sealer = await rotated.SealerAsync(_store, Prefix, Key, CancellationToken.None);
        var fresh = sealer.Seal(new byte[10]);
        var withoutOld = Cipher(("k2", k2));
        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => withoutOld.OpenAsync(old, Prefix, Key, CancellationToken.None));

        Assert.Equal("k2", EncryptedObjectHeader.Parse(fresh, Key, out _).KeyId);
        Assert.Equal("k1", EncryptedObjectHeader.Parse(old, Key, out _).KeyId);
        Assert.Equal(1000, (await rotated.OpenAsync(old, Prefix, Key, CancellationToken.None)).Length);
        Assert.Contains("'k1'", ex.Message);
        Assert.Contains("not configured", ex.Message);
        Assert.Contains(Key, ex.Message);
        Assert.Equal("k1", before.CurrentKeyId);
    }

    [Fact]
    public async Task WrongKeyMaterial_UnderTheSameId_IsAHardFailure_NamingKeyAndObject()
    {
        var (_, stored) = await SealedAsync(100);
        var impostor = Cipher(("k1", LocalKey("k1", overwrite: true)));

        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => impostor.OpenAsync(stored, Prefix, Key, CancellationToken.None));

        Assert.Contains("wrong key", ex.Message);
        Assert.Contains(Key, ex.Message);
    }

    [Fact]
    public async Task MissingKeyFile_FailsBeforeAnythingIsStored()
    {
        var path = LocalKey("k1");
        var cipher = Cipher(("k1", path));
        File.Delete(path);

        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => cipher.SealerAsync(_store, Prefix, Key, CancellationToken.None));

        Assert.Contains("'k1'", ex.Message);
        Assert.Contains("does not exist", ex.Message);
        Assert.Empty((await _store.ListAsync(Prefix + "/", null, CancellationToken.None)).Objects);
    }

    [Fact]
    public async Task APlaintextObject_IsRefusedWhenEncryptionIsOn_UnlessReadPlaintextIsSet()
    {
        var plain = "plain zstd bytes"u8.ToArray();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Cipher(("k1", LocalKey("k1"))).OpenAsync(plain, Prefix, Key, CancellationToken.None));
        var allowed = new BackupCipher([new LocalKeyEncryptionKey("k1", SecretValue.FromFile(LocalKey("k1", overwrite: true)))], Chunk, readPlaintext: true);

        Assert.Contains(Key, ex.Message);
        Assert.Contains("not encrypted", ex.Message);
        Assert.Equal(plain, await allowed.OpenAsync(plain, Prefix, Key, CancellationToken.None));
    }

    [Fact]
    public async Task APrefixWithEncryptedBackups_IsRefusedByANodeWithoutKeys_NeverWrittenInTheClear()
    {
        var (_, _) = await SealedAsync(10);

        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => BackupCipher.None.SealerAsync(_store, Prefix, Key, CancellationToken.None));

        Assert.Contains(BackupCipher.MarkerName, ex.Message);
        Assert.Contains("refusing to store anything unencrypted", ex.Message);
    }

    [Fact]
    public async Task AnEncryptedObject_ReadWithoutKeys_SaysEncryptionIsNotConfigured()
    {
        var (_, stored) = await SealedAsync(10);

        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => BackupCipher.None.OpenAsync(stored, Prefix, Key, CancellationToken.None));

        Assert.Contains("not configured", ex.Message);
    }

    [Theory]
    [InlineData("too short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task AKeyThatIsNot32Bytes_IsRefusedWithWhatItShouldBe(string text)
    {
        var path = _dir.Combine("bad.key");
        await File.WriteAllTextAsync(path, text);

        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => Cipher(("bad", path)).SealerAsync(_store, Prefix, Key, CancellationToken.None));

        Assert.Contains("not 32 bytes", ex.Message);
    }

    [Fact]
    public async Task KmsKeys_GenerateAndUnwrapThroughSignedRequests_AndADisabledKeyIsAHardFailure()
    {
        await using var kms = await KmsStandIn.StartAsync();
        var arn = kms.CreateKey("alias/backups");
        var aws = KmsAws();
        var cipher = BackupCiphers.Create(new NodeAgent.Roles.Db.Configuration.BackupEncryptionConfig
        {
            Keys = [new NodeAgent.Roles.Db.Configuration.BackupKeyConfig { Id = "kms-1", KmsKeyId = "alias/backups" }],
            KmsEndpoint = kms.Endpoint,
            ChunkSize = Chunk,
        }, aws, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var content = RandomNumberGenerator.GetBytes(3 * Chunk);

        using var sealer = await cipher.SealerAsync(_store, Prefix, Key, CancellationToken.None);
        var stored = sealer.Seal(content);
        var opened = await cipher.OpenAsync(stored, Prefix, Key, CancellationToken.None);
        kms.Disable(arn);
        var generate = await Assert.ThrowsAsync<BackupKeyException>(() => cipher.SealerAsync(_store, Prefix, Key + "2", CancellationToken.None));
        var unwrap = await Assert.ThrowsAsync<BackupKeyException>(() => cipher.OpenAsync(stored, Prefix, Key, CancellationToken.None));

        Assert.Equal(content, opened);
        Assert.Empty(kms.SignatureErrors);
        Assert.Equal(["GenerateDataKey", "Decrypt", "GenerateDataKey", "Decrypt"], kms.Operations.ToArray());
        Assert.Contains("DisabledException", generate.Message);
        Assert.Contains("kms-1", generate.Message);
        Assert.Contains(Key, unwrap.Message);
    }

    [Fact]
    public async Task KmsStandIn_RefusesARequestSignedWithTheWrongSecret()
    {
        await using var kms = await KmsStandIn.StartAsync();
        kms.CreateKey("alias/backups");
        var aws = KmsAws() with
        {
            Credentials = new AwsCredentialsConfig { AccessKeyId = LocalStack.AccessKey, SecretAccessKey = SecretValue.Literal("not-the-secret") },
        };
        var cipher = BackupCiphers.Create(new NodeAgent.Roles.Db.Configuration.BackupEncryptionConfig
        {
            Keys = [new NodeAgent.Roles.Db.Configuration.BackupKeyConfig { Id = "kms-1", KmsKeyId = "alias/backups" }],
            KmsEndpoint = kms.Endpoint,
        }, aws with { Retry = new RetryConfig { MaxAttempts = 1 } }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var ex = await Assert.ThrowsAsync<BackupKeyException>(() => cipher.SealerAsync(_store, Prefix, Key, CancellationToken.None));

        Assert.Contains("InvalidSignatureException", ex.Message);
        Assert.Single(kms.SignatureErrors);
        Assert.Empty(kms.Operations);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The aws section a node would have: explicit credentials (the stand-in checks the signature), short retries.</summary>
    private static AwsSection KmsAws() => new()
    {
        Region = LocalStack.Region,
        Bucket = "unused",
        Credentials = new AwsCredentialsConfig { AccessKeyId = LocalStack.AccessKey, SecretAccessKey = SecretValue.Literal(LocalStack.SecretKey) },
        Retry = new RetryConfig { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50) },
        Timeout = TimeSpan.FromSeconds(10),
    };

    private async Task<(BackupCipher Cipher, byte[] Stored)> SealedAsync(int length, BackupCipher? cipher = null)
    {
        cipher ??= Cipher(("k1", LocalKey("k1")));
        using var sealer = await cipher.SealerAsync(_store, Prefix, Key, CancellationToken.None);
        return (cipher, sealer.Seal(RandomNumberGenerator.GetBytes(length)));
    }

    private string LocalKey(string id, bool overwrite = false)
    {
        var path = _dir.Combine($"{id}.key");
        return File.Exists(path) && !overwrite ? path : EncryptedObjects.WriteLocalKey(path);
    }

    private static BackupCipher Cipher(params (string Id, string Path)[] keys)
        => new(keys.Select(k => (IKeyEncryptionKey)new LocalKeyEncryptionKey(k.Id, SecretValue.FromFile(k.Path))).ToList(), Chunk);
}
