using System.Net;
using System.Security.Cryptography;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>
/// Faults between wal-push and S3, with a private local S3 behind a TCP proxy the test controls: S3 unreachable while
/// PostgreSQL archives, and wal-push killed in the middle of an upload.
/// </summary>
[Collection(DatabaseServerCollections.B)]
public sealed class ArchiveFaultTests
{
    private static readonly RetryConfig QuickRetry = new() { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task S3DownDuringArchiving_PostgresRetries_NothingUnstoredIsAcknowledged_AndRecoveryIsStillExact()
    {
        await using var stack = await LocalStack.StartAsync();
        await using var proxy = new TcpFaultProxy(new IPEndPoint(IPAddress.Loopback, stack.Endpoint.Port));
        await using var archive = await ArchiveFixture.CreateAsync(stack, proxy.Endpoint, QuickRetry);
        await using var direct = stack.Services(archive.Bucket);
        var store = stack.Store(direct);
        await using var cluster = await PostgresCluster.StartAsync(archive.ArchiveCommand);
        archive.WriteSettings(cluster.DataDir);
        await cluster.ExecAsync("CREATE TABLE ledger (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await archive.Runner(cluster).RunAsync(CancellationToken.None);
        await cluster.ExecAsync("INSERT INTO ledger (id) SELECT g FROM generate_series(1, 100) g");
        await cluster.WaitArchivedAsync(await cluster.SwitchWalAsync(), TimeSpan.FromMinutes(1));
        var failuresBefore = await cluster.ScalarAsync<long>("SELECT failed_count FROM pg_stat_archiver");

        proxy.Down();
        await cluster.ExecAsync("INSERT INTO ledger (id) SELECT g FROM generate_series(101, 200) g");
        await Task.Delay(300);
        var target = await cluster.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await Task.Delay(300);
        await cluster.ExecAsync("INSERT INTO ledger (id) SELECT g FROM generate_series(201, 300) g");
        await cluster.SwitchWalAsync();
        var last = await cluster.SwitchWalAsync();
        await WaitUntilAsync(async () => await cluster.ScalarAsync<long>("SELECT failed_count FROM pg_stat_archiver") >= failuresBefore + 2, TimeSpan.FromMinutes(2));
        var whileDown = await CheckAcknowledgedAreStoredAsync(cluster, store, archive.Layout);

        proxy.Up();
        await cluster.ExecAsync("SELECT pg_reload_conf()");
        await cluster.WaitArchivedAsync(last, TimeSpan.FromMinutes(3));
        var afterwards = await CheckAcknowledgedAreStoredAsync(cluster, store, archive.Layout);
        await using var restored = await archive.RestoreAndStartAsync(RecoveryTarget.AtTime(new DateTimeOffset(target, TimeSpan.Zero)));

        Assert.True(whileDown.Pending > 0, "S3 was down, yet nothing was left pending");
        Assert.Equal(0, afterwards.Pending);
        Assert.True(afterwards.Done > whileDown.Done);
        Assert.Equal(200L, await restored.ScalarAsync<long>("SELECT count(*) FROM ledger"));
        Assert.Equal(200, await restored.ScalarAsync<int>("SELECT max(id) FROM ledger"));
    }

    [Fact]
    public async Task WalPushKilledMidUpload_LeavesNothingHalfStored_AndTheRetrySucceeds()
    {
        await using var stack = await LocalStack.StartAsync();
        await using var proxy = new TcpFaultProxy(new IPEndPoint(IPAddress.Loopback, stack.Endpoint.Port));
        await using var archive = await ArchiveFixture.CreateAsync(stack, proxy.Endpoint, QuickRetry);
        await using var direct = stack.Services(archive.Bucket);
        var store = stack.Store(direct);
        await using var cluster = await PostgresCluster.StartAsync(archiveCommand: null);
        archive.WriteSettings(cluster.DataDir);
        await cluster.ExecAsync("CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g");
        var segment = Path.Combine(cluster.DataDir, "pg_wal", await cluster.SwitchWalAsync());
        var name = Path.GetFileName(segment);

        proxy.StallUploads();
        var connectionsBefore = proxy.Connections;
        await using (var push = AgentProcess.Start(["wal-push", "--config", archive.SettingsPath, segment]))
        {
            await WaitUntilAsync(() => Task.FromResult(proxy.Connections > connectionsBefore || push.HasExited), TimeSpan.FromMinutes(1));
            await Task.Delay(500);
            Assert.False(push.HasExited, $"wal-push finished although its upload was stalled: {push.StandardError}");
        }

        var afterKill = await store.HeadAsync(archive.Layout.Wal(name), CancellationToken.None);
        proxy.Up();
        var retry = await AgentProcess.RunAsync(["wal-push", "--config", archive.SettingsPath, segment], TimeSpan.FromMinutes(1));
        var fetched = archive.Dir.Combine("fetched");
        var fetch = await AgentProcess.RunAsync(["wal-fetch", "--config", archive.SettingsPath, name, fetched], TimeSpan.FromMinutes(1));

        Assert.Null(afterKill);
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(segment)), SHA256.HashData(await File.ReadAllBytesAsync(fetched)));
    }

    /// <summary>Every segment PostgreSQL marked done must be in S3 with the same SHA-256; counts done and pending.</summary>
    private static async Task<(int Done, int Pending)> CheckAcknowledgedAreStoredAsync(PostgresCluster cluster, IObjectStore store, ArchiveLayout layout)
    {
        var status = Path.Combine(cluster.DataDir, "pg_wal", "archive_status");
        var done = 0;
        foreach (var marker in Directory.GetFiles(status, "*.done"))
        {
            var name = Path.GetFileName(marker)[..^".done".Length];
            var stored = await store.HeadAsync(layout.Wal(name), CancellationToken.None);
            Assert.True(stored is not null, $"{name} is marked archived but is not in S3");
            var local = Path.Combine(cluster.DataDir, "pg_wal", name);
            if (File.Exists(local))
            {
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(local))), stored!.Metadata[ObjectMetadataKeys.Sha256]);
            }

            done++;
        }

        return (done, Directory.GetFiles(status, "*.ready").Length);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(200);
        }
    }
}
