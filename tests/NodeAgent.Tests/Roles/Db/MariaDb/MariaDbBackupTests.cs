using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.MariaDb;

/// <summary>Real MariaDB 10.11: dumps streamed to S3 and back, and closed binlogs shipped.</summary>
[Collection(DatabaseServerCollections.A)]
public sealed class MariaDbBackupTests
{
    [Fact]
    public async Task DumpAndRestore_RoundTripsTheTableContents_ExactlyByChecksum()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("maria");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var layout = new MariaDbLayout($"test/backups/mariadb/{Guid.NewGuid():N}");
        await using var source = await MariaDbServer.StartAsync();
        await source.ExecAsync("""
            CREATE DATABASE shop;
            CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(64) NOT NULL, total DECIMAL(10,2), note TEXT, blob_data VARBINARY(64), created DATETIME(6));
            INSERT INTO shop.orders
              SELECT seq, CONCAT('customer-', seq % 97), seq * 1.25, IF(seq % 7 = 0, NULL, REPEAT('x', seq % 50)), UNHEX(MD5(seq)), '2025-01-01 00:00:00' + INTERVAL seq SECOND
              FROM shop.seq_1_to_20000;
            """);
        var expected = await source.ContentChecksumAsync("shop.orders", "id");
        var dumper = new MariaDbDumper(store, layout, new MariaDbClient(source.Config), new CliWrapProcessRunner(), source.Config, 3, TimeProvider.System, NullLogger.Instance);

        var manifest = await dumper.RunAsync(CancellationToken.None);
        await using var target = await MariaDbServer.StartAsync();
        await new MariaDbRestorer(store, layout, new CliWrapProcessRunner(), NullLogger.Instance).RestoreAsync(null, target.Config, CancellationToken.None);

        Assert.Equal(expected, await target.ContentChecksumAsync("shop.orders", "id"));
        Assert.StartsWith("20000:", expected);
        Assert.NotNull(manifest.BinlogFile);
        Assert.True(manifest.StoredBytes < manifest.SqlBytes, "the dump was not compressed");
        Assert.NotNull(await store.HeadAsync(layout.Manifest(manifest.Id), CancellationToken.None));
    }

    [Fact]
    public async Task BinlogShipper_ShipsClosedLogs_NeverTheActiveOne()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("binlog");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var layout = new MariaDbLayout($"test/backups/mariadb/{Guid.NewGuid():N}");
        await using var server = await MariaDbServer.StartAsync();
        await server.ExecAsync("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1), (2)");
        await server.ExecAsync("FLUSH BINARY LOGS");
        await server.ExecAsync("INSERT INTO app.t VALUES (3)");
        await server.ExecAsync("FLUSH BINARY LOGS");
        var client = new MariaDbClient(server.Config);
        var logs = await client.BinaryLogsAsync(CancellationToken.None);
        var shipper = new BinlogShipper(store, layout, client, server.BinlogDir, 3, NullLogger.Instance);

        var first = await shipper.ShipAsync(CancellationToken.None);
        var second = await shipper.ShipAsync(CancellationToken.None);

        Assert.Equal(logs.Take(logs.Count - 1), first);
        Assert.Empty(second);
        Assert.Null(await store.HeadAsync(layout.Binlog(logs[^1]), CancellationToken.None));
        foreach (var name in first)
        {
            var stored = await store.GetAsync(layout.Binlog(name), CancellationToken.None);
            var content = NodeAgent.Roles.Db.Backup.ZstdCodec.Decompress(stored!.Content, new FileInfo(Path.Combine(server.BinlogDir, name)).Length);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(server.BinlogDir, name)), content);
        }
    }
}
