using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>Real PostgreSQL 15 archiving through <c>nodeagent wal-push</c>, a streamed base backup, and restores.</summary>
[Collection(DatabaseServerCollections.A)]
public sealed class PointInTimeRecoveryTests
{
    [Fact]
    public async Task RestoreToATimeBetweenTwoInserts_GivesExactlyTheRowsCommittedBeforeIt()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        await using var cluster = await PostgresCluster.StartAsync(archive.ArchiveCommand);
        archive.WriteSettings(cluster.DataDir);
        await cluster.ExecAsync("CREATE TABLE events (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await cluster.ExecAsync("INSERT INTO events (id) SELECT g FROM generate_series(1, 100) g");

        var backup = await archive.Runner(cluster).RunAsync(CancellationToken.None);
        await cluster.ExecAsync("INSERT INTO events (id) VALUES (101)");
        await Task.Delay(300);
        var between = await cluster.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await Task.Delay(300);
        await cluster.ExecAsync("INSERT INTO events (id) VALUES (102)");
        await cluster.WaitArchivedAsync(await cluster.SwitchWalAsync(), TimeSpan.FromMinutes(1));

        await using var restored = await archive.RestoreAndStartAsync(RecoveryTarget.AtTime(new DateTimeOffset(between, TimeSpan.Zero)));

        Assert.Equal(101L, await restored.ScalarAsync<long>("SELECT count(*) FROM events"));
        Assert.Equal(101, await restored.ScalarAsync<int>("SELECT max(id) FROM events"));
        Assert.True(await archive.Store.HeadAsync(archive.Layout.Manifest(backup.Id), CancellationToken.None) is not null);
        Assert.True(await archive.Store.HeadAsync(archive.Layout.Wal(backup.BackupHistoryFile), CancellationToken.None) is not null);
    }
}
