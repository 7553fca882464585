using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>Retention on a real archive: what it deletes, and that point-in-time recovery still works from what it keeps.</summary>
[Collection(DatabaseServerCollections.B)]
public sealed class RetentionTests
{
    [Fact]
    public async Task Retention_KeepsTheNewestBackups_AndEveryWalSegmentTheyNeed_SoRecoveryBetweenThemIsExact()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        await using var cluster = await PostgresCluster.StartAsync(archive.ArchiveCommand);
        archive.WriteSettings(cluster.DataDir);
        await cluster.ExecAsync("CREATE TABLE items (id int PRIMARY KEY)");
        var runner = archive.Runner(cluster);
        var b1 = await runner.RunAsync(CancellationToken.None);
        await cluster.ExecAsync("INSERT INTO items SELECT generate_series(1, 10)");
        await cluster.WaitArchivedAsync(await cluster.SwitchWalAsync(), TimeSpan.FromMinutes(1));
        var b2 = await runner.RunAsync(CancellationToken.None);
        await cluster.ExecAsync("INSERT INTO items SELECT generate_series(11, 15)");
        await Task.Delay(300);
        var target = await cluster.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await Task.Delay(300);
        await cluster.ExecAsync("INSERT INTO items SELECT generate_series(16, 20)");
        await cluster.WaitArchivedAsync(await cluster.SwitchWalAsync(), TimeSpan.FromMinutes(1));
        var b3 = await runner.RunAsync(CancellationToken.None);
        await cluster.ExecAsync("INSERT INTO items SELECT generate_series(21, 25)");
        var last = await cluster.SwitchWalAsync();
        await cluster.WaitArchivedAsync(last, TimeSpan.FromMinutes(1));

        var plan = await archive.Retention().ApplyAsync(keep: 2, CancellationToken.None);

        var kept = await new BackupCatalog(archive.Store, archive.Layout).ListAsync(CancellationToken.None);
        Assert.Equal([b2.Id, b3.Id], kept.Select(k => k.Id));
        Assert.Equal([b1.Id], plan.DeletedBackups);
        var wal = (await archive.Store.ListAsync(archive.Layout.WalDirectory, null, CancellationToken.None)).Objects
            .Select(o => archive.Layout.WalNameOf(o.Key)!)
            .Select(WalFileName.Parse)
            .Where(w => w.Kind == WalFileKind.Segment)
            .Select(w => w.Position(b2.SegmentSize))
            .Order()
            .ToList();
        var from = WalFileName.Parse(b2.StartWal).Position(b2.SegmentSize);
        var to = WalFileName.Parse(last).Position(b2.SegmentSize);
        Assert.Equal(from, wal[0]);
        Assert.Equal(Enumerable.Range(0, (int)(to - from + 1)).Select(i => from + (ulong)i), wal);
        Assert.Null(await archive.Store.HeadAsync(archive.Layout.Wal(b1.BackupHistoryFile), CancellationToken.None));

        await using var restored = await archive.RestoreAndStartAsync(RecoveryTarget.AtTime(new DateTimeOffset(target, TimeSpan.Zero)));

        Assert.Equal(15L, await restored.ScalarAsync<long>("SELECT count(*) FROM items"));
        Assert.Equal(15, await restored.ScalarAsync<int>("SELECT max(id) FROM items"));
    }
}
