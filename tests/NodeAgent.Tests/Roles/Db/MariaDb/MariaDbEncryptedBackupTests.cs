using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.MariaDb;

/// <summary>
/// Real MariaDB 10.11 and the local S3 with encryption on: encrypted dumps and binlogs, point-in-time restore in one
/// call across a key rotation into a server with gtid_strict_mode on, and tampered objects failing by name.
/// </summary>
[Collection(DatabaseServerCollections.A)]
public sealed class MariaDbEncryptedBackupTests : IDisposable
{
    private const string Marker = "NODEAGENT-PLAINTEXT-MARKER-5d41402a";
    private readonly TempDir _dir = new("nodeagent-maria-enc");

    [Fact]
    public async Task PointInTimeRestore_ToThreeTimesAcrossAKeyRotation_GivesExactlyTheRowsCommittedBeforeEach_AndNothingIsStoredInTheClear()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("mpitr");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var layout = new MariaDbLayout($"test/backups/mariadb/{Guid.NewGuid():N}");
        var k1 = EncryptedObjects.WriteLocalKey(_dir.Combine("k1.key"));
        var k2 = EncryptedObjects.WriteLocalKey(_dir.Combine("k2.key"));
        var before = Cipher(("k1", k1));
        var rotated = Cipher(("k2", k2), ("k1", k1));
        await using var source = await MariaDbServer.StartAsync();
        await source.ExecAsync($"""
            CREATE DATABASE shop;
            CREATE TABLE shop.events (id INT PRIMARY KEY, note VARCHAR(200) NOT NULL, created DATETIME(6) NOT NULL DEFAULT NOW(6));
            INSERT INTO shop.events (id, note) SELECT seq, CONCAT('{Marker} row ', seq) FROM shop.seq_1_to_100;
            """);
        var client = new MariaDbClient(source.Config with { Databases = ["shop"] });

        // The dump is taken under k1; every binlog is shipped after the rotation, under k2.
        var dump = await new MariaDbDumper(store, layout, client, new CliWrapProcessRunner(), source.Config with { Databases = ["shop"] }, 3, TimeProvider.System, NullLogger.Instance, before)
            .RunAsync(CancellationToken.None);
        await source.ExecAsync($"INSERT INTO shop.events (id, note) VALUES (101, '{Marker} 101')");
        var t1 = await NextSecondAsync();
        await source.ExecAsync($"INSERT INTO shop.events (id, note) VALUES (102, '{Marker} 102')");
        await source.ExecAsync($"INSERT INTO shop.events (id, note) VALUES (103, '{Marker} 103')");
        await source.ExecAsync("FLUSH BINARY LOGS");
        var t2 = await NextSecondAsync();
        await source.ExecAsync($"INSERT INTO shop.events (id, note) VALUES (104, '{Marker} 104')");
        await source.ExecAsync($"UPDATE shop.events SET note = CONCAT(note, ' updated') WHERE id <= 10");
        await source.ExecAsync("FLUSH BINARY LOGS");
        await source.ExecAsync($"INSERT INTO shop.events (id, note) VALUES (105, '{Marker} 105')");
        var t3 = await NextSecondAsync();
        await source.ExecAsync($"DELETE FROM shop.events WHERE id = 50");
        var end = await NextSecondAsync();
        await source.ExecAsync("FLUSH BINARY LOGS");
        var expectedAll = await source.ContentChecksumAsync("shop.events", "id");
        var shipped = await new BinlogShipper(store, layout, client, source.BinlogDir, 3, NullLogger.Instance, rotated).ShipAsync(CancellationToken.None);

        // The target refuses out-of-order GTIDs and already has GTIDs of its own, far past the source's.
        await using var target = await MariaDbServer.StartAsync(serverId: 7, ["--gtid-strict-mode=1"]);
        await target.ExecAsync("CREATE DATABASE other; CREATE TABLE other.t (id INT PRIMARY KEY); INSERT INTO other.t SELECT seq FROM other.seq_1_to_50");
        for (var i = 0; i < 30; i++)
        {
            await target.ExecAsync($"INSERT INTO other.t VALUES ({100 + i})");
        }

        var restorer = new MariaDbPointInTimeRestorer(store, layout, new CliWrapProcessRunner(), NullLogger.Instance, rotated);
        var results = new List<(string Name, long Count, long Max, long Has50, PointInTimeRestore Restore)>();
        foreach (var (name, at) in new[] { ("t1 (mid-file)", t1), ("t2 (at a file start)", t2), ("t3", t3) })
        {
            var restore = await restorer.RestoreAsync(at, null, target.Config, CancellationToken.None);
            results.Add((name, Convert.ToInt64(await target.ScalarAsync("SELECT COUNT(*) FROM shop.events")), Convert.ToInt64(await target.ScalarAsync("SELECT MAX(id) FROM shop.events")),
                Convert.ToInt64(await target.ScalarAsync("SELECT COUNT(*) FROM shop.events WHERE id = 50")), restore));
        }

        var latest = await restorer.RestoreAsync(end, null, target.Config, CancellationToken.None);
        var restoredAll = await target.ContentChecksumAsync("shop.events", "id");

        Assert.Equal(dump.Id, results[0].Restore.Dump.Id);
        Assert.NotNull(dump.GtidPosition);
        Assert.Equal((101L, 101L, 1L), (results[0].Count, results[0].Max, results[0].Has50));
        Assert.Single(results[0].Restore.Binlogs);
        Assert.Equal((103L, 103L, 1L), (results[1].Count, results[1].Max, results[1].Has50));
        Assert.Equal((105L, 105L, 1L), (results[2].Count, results[2].Max, results[2].Has50));
        Assert.Equal(" updated", (string)(await target.ScalarAsync("SELECT RIGHT(note, 8) FROM shop.events WHERE id = 1"))!);
        Assert.Equal(expectedAll, restoredAll);
        Assert.Equal(shipped.Where(n => string.CompareOrdinal(n, dump.BinlogFile) >= 0), latest.Binlogs);
        Assert.Equal(80L, Convert.ToInt64(await target.ScalarAsync("SELECT COUNT(*) FROM other.t")));
        Assert.Equal(1L, Convert.ToInt64(await target.ScalarAsync("SELECT @@gtid_strict_mode")));
        Assert.True(await EncryptedObjects.AssertNothingInTheClearAsync(store, layout.Prefix, Marker) >= 5);
        Assert.Equal("k1", await KeyOfAsync(store, layout.Dump(dump.Id)));
        Assert.All(shipped, name => Assert.Equal("k2", KeyOfAsync(store, layout.Binlog(name)).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task ATargetPastTheShippedBinlogs_IsRefusedWithAReason_AndNothingIsLoaded()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("mpast");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var layout = new MariaDbLayout($"test/backups/mariadb/{Guid.NewGuid():N}");
        var cipher = Cipher(("k1", EncryptedObjects.WriteLocalKey(_dir.Combine("k1.key"))));
        await using var source = await MariaDbServer.StartAsync();
        await source.ExecAsync("CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY); INSERT INTO shop.t VALUES (1)");
        var config = source.Config with { Databases = ["shop"] };
        await new MariaDbDumper(store, layout, new MariaDbClient(config), new CliWrapProcessRunner(), config, 3, TimeProvider.System, NullLogger.Instance, cipher).RunAsync(CancellationToken.None);
        await source.ExecAsync("INSERT INTO shop.t VALUES (2)");
        await source.ExecAsync("FLUSH BINARY LOGS");
        await new BinlogShipper(store, layout, new MariaDbClient(config), source.BinlogDir, 3, NullLogger.Instance, cipher).ShipAsync(CancellationToken.None);
        await Task.Delay(1100);
        await source.ExecAsync("INSERT INTO shop.t VALUES (3)");
        await using var target = await MariaDbServer.StartAsync(serverId: 8);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => new MariaDbPointInTimeRestorer(store, layout, new CliWrapProcessRunner(), NullLogger.Instance, cipher)
            .RestoreAsync(DateTimeOffset.UtcNow.AddSeconds(2), null, target.Config, CancellationToken.None));

        Assert.Contains("newer events are not in the archive yet", ex.Message);
        Assert.Equal(0L, Convert.ToInt64(await target.ScalarAsync("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'shop'")));
    }

    [Fact]
    public async Task AFlippedByte_ATruncation_OrTwoSwappedChunks_InADumpOrABinlog_FailRestoreAndVerify_NamingTheObject()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("mtamper");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var layout = new MariaDbLayout($"test/backups/mariadb/{Guid.NewGuid():N}");
        var cipher = Cipher(("k1", EncryptedObjects.WriteLocalKey(_dir.Combine("k1.key"))));
        await using var source = await MariaDbServer.StartAsync();
        await source.ExecAsync("CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, pad VARCHAR(255)); INSERT INTO shop.t SELECT seq, SHA2(seq, 256) FROM shop.seq_1_to_3000");
        var config = source.Config with { Databases = ["shop"] };
        var dump = await new MariaDbDumper(store, layout, new MariaDbClient(config), new CliWrapProcessRunner(), config, 3, TimeProvider.System, NullLogger.Instance, cipher)
            .RunAsync(CancellationToken.None);
        await source.ExecAsync("SET SESSION binlog_format = ROW; INSERT INTO shop.t SELECT seq, SHA2(seq, 512) FROM shop.seq_3001_to_6000");
        var end = await NextSecondAsync();
        await source.ExecAsync("FLUSH BINARY LOGS");
        var binlog = (await new BinlogShipper(store, layout, new MariaDbClient(config), source.BinlogDir, 3, NullLogger.Instance, cipher).ShipAsync(CancellationToken.None))[^1];
        await using var target = await MariaDbServer.StartAsync(serverId: 9);
        var check = new DumpObjectCheck(store, layout, cipher);
        var restorer = new MariaDbPointInTimeRestorer(store, layout, new CliWrapProcessRunner(), NullLogger.Instance, cipher);
        var intact = await check.CheckAsync(null, CancellationToken.None);

        foreach (var key in new[] { layout.Dump(dump.Id), layout.Binlog(binlog) })
        {
            var original = (await store.GetAsync(key, CancellationToken.None))!;
            foreach (var (damage, bytes) in new[]
            {
                ("flipped byte", EncryptedObjects.FlipByte(original.Content, original.Content.Length / 2)),
                ("truncated", EncryptedObjects.Truncate(original.Content, 100)),
                ("swapped chunks", EncryptedObjects.SwapChunks(original.Content, 0, 1)),
            })
            {
                await store.PutAsync(key, bytes, new PutOptions { Metadata = original.Info.Metadata }, CancellationToken.None);
                var verify = await Assert.ThrowsAnyAsync<Exception>(() => check.CheckAsync(null, CancellationToken.None));
                var restore = await Assert.ThrowsAnyAsync<Exception>(() => restorer.RestoreAsync(end, null, target.Config, CancellationToken.None));
                Assert.True(verify.Message.Contains(key, StringComparison.Ordinal), $"verify, {damage} {key}: {verify}");
                Assert.True(restore.Message.Contains(key, StringComparison.Ordinal), $"restore, {damage} {key}: {restore}");
            }

            await store.PutAsync(key, original.Content, new PutOptions { Metadata = original.Info.Metadata }, CancellationToken.None);
        }

        Assert.Equal(dump.Id, intact.BackupId);
        Assert.True(intact.Objects >= 3, $"{intact.Objects} objects checked");
        Assert.Equal(intact, await check.CheckAsync(null, CancellationToken.None));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Waits for the next whole second and returns it: events before it and after it carry different binlog timestamps.</summary>
    private static async Task<DateTimeOffset> NextSecondAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var next = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1);
        await Task.Delay(next - now + TimeSpan.FromMilliseconds(20));
        var mark = next;
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        return mark;
    }

    private static async Task<string?> KeyOfAsync(IObjectStore store, string key)
    {
        var stored = await store.GetAsync(key, CancellationToken.None);
        return EncryptedObjectHeader.Parse(stored!.Content, key, out _).KeyId;
    }

    private static BackupCipher Cipher(params (string Id, string Path)[] keys)
        => new(keys.Select(k => (IKeyEncryptionKey)new LocalKeyEncryptionKey(k.Id, SecretValue.FromFile(k.Path))).ToList(), chunkSize: 4096);
}
