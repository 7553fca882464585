using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>
/// Real PostgreSQL 15 archiving through <c>nodeagent wal-push</c> (its own process, reading the settings file) with a KMS
/// key on the loopback KMS stand-in: encrypted WAL and base backups restore diff-clean, nothing under the prefix is in
/// the clear, and damaged objects fail restore and verify by name.
/// </summary>
[Collection(DatabaseServerCollections.B)]
public sealed class PostgresEncryptedBackupTests
{
    private const string Marker = "NODEAGENT-PLAINTEXT-MARKER-c4ca4238";

    [Fact]
    public async Task EncryptedWalAndBaseBackup_WithAKmsKey_RestoreDiffClean_HoldNothingInTheClear_AndDamageFailsRestoreAndVerifyByName()
    {
        var stack = await LocalStack.Shared();
        await using var kms = await KmsStandIn.StartAsync();
        kms.CreateKey("alias/nodeagent-backups");
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        archive.Encryption = new BackupEncryptionConfig
        {
            Keys = [new BackupKeyConfig { Id = "kms-2026", KmsKeyId = "alias/nodeagent-backups" }],
            KmsEndpoint = kms.Endpoint,
            ChunkSize = 256 << 10,
        };
        await using var cluster = await PostgresCluster.StartAsync(archive.ArchiveCommand);
        archive.WriteSettings(cluster.DataDir);
        await cluster.ExecAsync($"CREATE TABLE orders (id int PRIMARY KEY, note text NOT NULL); INSERT INTO orders SELECT g, '{Marker} ' || md5(g::text) FROM generate_series(1, 20000) g");

        var backup = await archive.Runner(cluster).RunAsync(CancellationToken.None);
        await cluster.ExecAsync($"INSERT INTO orders SELECT g, '{Marker} after ' || g FROM generate_series(20001, 20500) g; DELETE FROM orders WHERE id % 97 = 0");
        const string checksum = "SELECT md5(string_agg(id::text || ':' || note, ',' ORDER BY id)) FROM orders";
        var expected = await cluster.ScalarAsync<string>(checksum);
        await cluster.WaitArchivedAsync(await cluster.SwitchWalAsync(), TimeSpan.FromMinutes(1));
        string restored;
        await using (var copy = await archive.RestoreAndStartAsync(RecoveryTarget.Latest))
        {
            restored = await copy.ScalarAsync<string>(checksum);
        }

        var objects = await EncryptedObjects.AssertNothingInTheClearAsync(archive.Store, archive.Prefix, Marker);
        var check = new BaseBackupObjectCheck(archive.Store, archive.Layout, archive.Cipher);
        var intact = await check.CheckAsync(null, CancellationToken.None);

        Assert.Equal(expected, restored);
        Assert.True(objects >= 5, $"{objects} objects under the prefix");
        Assert.Equal(backup.Id, intact.BackupId);
        Assert.Empty(kms.SignatureErrors);
        Assert.Contains("GenerateDataKey", kms.Operations);
        Assert.Contains("Decrypt", kms.Operations);
        var tar = (await archive.Store.GetAsync(archive.Layout.BaseTar(backup.Id), CancellationToken.None))!;
        Assert.Equal("kms-2026", tar.Info.Metadata[BackupCipher.KeyIdMetadata]);

        // Damage the base backup three ways, then one WAL segment: restore and verify fail, naming the object.
        var walKey = (await archive.Store.ListAsync(archive.Layout.WalDirectory, null, CancellationToken.None)).Objects
            .Select(o => o.Key).First(k => archive.Layout.WalNameOf(k) is { Length: 24 } name && string.CompareOrdinal(name, backup.StartWal) >= 0);
        var wal = (await archive.Store.GetAsync(walKey, CancellationToken.None))!;
        foreach (var (key, original, damaged) in new[]
        {
            (archive.Layout.BaseTar(backup.Id), tar, EncryptedObjects.FlipByte(tar.Content, tar.Content.Length / 3)),
            (archive.Layout.BaseTar(backup.Id), tar, EncryptedObjects.Truncate(tar.Content, 4096)),
            (archive.Layout.BaseTar(backup.Id), tar, EncryptedObjects.SwapChunks(tar.Content, 1, 2)),
            (walKey, wal, EncryptedObjects.FlipByte(wal.Content, -5)),
        })
        {
            await archive.Store.PutAsync(key, damaged, new PutOptions { Metadata = original.Info.Metadata }, CancellationToken.None);
            var verify = await Assert.ThrowsAnyAsync<Exception>(() => check.CheckAsync(null, CancellationToken.None));
            Assert.True(verify.Message.Contains(key, StringComparison.Ordinal), $"verify of damaged {key}: {verify}");
            if (key != walKey)
            {
                var directory = archive.Dir.Combine($"damaged-{Guid.NewGuid():N}");
                var restore = await Assert.ThrowsAnyAsync<Exception>(() => archive.Restorer().RestoreAsync(new RestoreRequest
                {
                    TargetDirectory = directory,
                    Target = RecoveryTarget.Latest,
                    RestoreCommand = archive.RestoreCommand,
                }, CancellationToken.None));
                Assert.True(restore.Message.Contains(key, StringComparison.Ordinal), $"restore of damaged {key}: {restore}");
                Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
            }

            await archive.Store.PutAsync(key, original.Content, new PutOptions { Metadata = original.Info.Metadata }, CancellationToken.None);
        }

        Assert.Equal(intact, await check.CheckAsync(null, CancellationToken.None));
    }
}
