using System.Security.Cryptography;
using NodeAgent.Cli;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary><c>nodeagent wal-push</c> / <c>wal-fetch</c> as PostgreSQL runs them: the real binary on real segments.</summary>
[Collection(DatabaseServerCollections.A)]
public sealed class WalArchiveCommandTests
{
    [Fact]
    public async Task WalPush_IdenticalRepushSucceeds_DifferentFileUnderSameNameIsRefused()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        await using var cluster = await PostgresCluster.StartAsync(archiveCommand: null);
        archive.WriteSettings(cluster.DataDir);
        await cluster.ExecAsync("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
        var segment = Path.Combine(cluster.DataDir, "pg_wal", await cluster.SwitchWalAsync());

        var first = await PushAsync(archive, segment);
        var again = await PushAsync(archive, segment);
        var forged = archive.Dir.Combine(Path.GetFileName(segment));
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[^100] ^= 0xFF;
        await File.WriteAllBytesAsync(forged, bytes);
        var different = await PushAsync(archive, forged);

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal((int)ExitCode.ArchiveConflict, different.ExitCode);
        Assert.Contains("different content", different.Stderr);
        var fetched = archive.Dir.Combine("fetched");
        var fetch = await AgentProcess.RunAsync(["wal-fetch", "--config", archive.SettingsPath, Path.GetFileName(segment), fetched], TimeSpan.FromMinutes(1));
        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(segment)), SHA256.HashData(await File.ReadAllBytesAsync(fetched)));
    }

    [Fact]
    public async Task WalPush_NeverOverwritesHistory_AndKeepsPartialAndBackupFilesUnderTheirOwnNames()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        await using var cluster = await PostgresCluster.StartAsync(archiveCommand: null);
        archive.WriteSettings(cluster.DataDir);
        var segment = Path.Combine(cluster.DataDir, "pg_wal", await cluster.SwitchWalAsync());
        var name = Path.GetFileName(segment);
        var history = archive.Dir.Combine("00000002.history");
        await File.WriteAllTextAsync(history, "1\t0/3000000\tno recovery target specified\n");
        var partial = archive.Dir.Combine($"{name}.partial");
        File.Copy(segment, partial);
        var backupFile = archive.Dir.Combine($"{name}.00000028.backup");
        await File.WriteAllTextAsync(backupFile, "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n");

        Assert.Equal(0, (await PushAsync(archive, history)).ExitCode);
        Assert.Equal(0, (await PushAsync(archive, history)).ExitCode);
        await File.WriteAllTextAsync(history, "1\t0/4000000\tno recovery target specified\n");
        var overwrite = await PushAsync(archive, history);
        Assert.Equal(0, (await PushAsync(archive, partial)).ExitCode);
        Assert.Equal(0, (await PushAsync(archive, backupFile)).ExitCode);

        Assert.Equal((int)ExitCode.ArchiveConflict, overwrite.ExitCode);
        var fetched = archive.Dir.Combine("history-fetched");
        Assert.Equal(0, (await AgentProcess.RunAsync(["wal-fetch", "--config", archive.SettingsPath, "00000002.history", fetched], TimeSpan.FromMinutes(1))).ExitCode);
        Assert.Contains("0/3000000", await File.ReadAllTextAsync(fetched));
        Assert.NotNull(await archive.Store.HeadAsync(archive.Layout.Wal($"{name}.partial"), CancellationToken.None));
        Assert.NotNull(await archive.Store.HeadAsync(archive.Layout.Wal($"{name}.00000028.backup"), CancellationToken.None));
        Assert.Null(await archive.Store.HeadAsync(archive.Layout.Wal(name), CancellationToken.None));
    }

    [Fact]
    public async Task WalFetch_ForAMissingSegment_ExitsWithNotFound_AndForAnUnreachableArchive_ExitsAbove125()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        archive.WriteSettings("/nonexistent");
        var dead = await ArchiveFixture.CreateAsync(stack, new Uri($"http://127.0.0.1:{LoopbackPorts.Free()}/"),
            new NodeAgent.Configuration.RetryConfig { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) });
        await using var _ = dead;
        dead.WriteSettings("/nonexistent");

        var missing = await AgentProcess.RunAsync(["wal-fetch", "--config", archive.SettingsPath, "0000000100000000000000AA", archive.Dir.Combine("x")], TimeSpan.FromMinutes(1));
        var unreachable = await AgentProcess.RunAsync(["wal-fetch", "--config", dead.SettingsPath, "0000000100000000000000AA", dead.Dir.Combine("x")], TimeSpan.FromMinutes(1));

        Assert.Equal((int)ExitCode.NotInArchive, missing.ExitCode);
        Assert.InRange(missing.ExitCode, 1, 125);
        Assert.False(File.Exists(archive.Dir.Combine("x")));
        Assert.Equal((int)ExitCode.ArchiveUnavailable, unreachable.ExitCode);
        Assert.True(unreachable.ExitCode > 125, "PostgreSQL must stop recovery, not take an unreachable archive for the end of WAL");
    }

    [Fact]
    public async Task WalPush_FromASecondClusterIntoTheSamePrefix_IsRefused()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        await using var first = await PostgresCluster.StartAsync(archiveCommand: null);
        await using var second = await PostgresCluster.StartAsync(archiveCommand: null);
        archive.WriteSettings(first.DataDir);
        Assert.Equal(0, (await PushAsync(archive, Path.Combine(first.DataDir, "pg_wal", await first.SwitchWalAsync()))).ExitCode);

        archive.WriteSettings(second.DataDir);
        var intruder = await PushAsync(archive, Path.Combine(second.DataDir, "pg_wal", await second.SwitchWalAsync()));

        Assert.Equal((int)ExitCode.ArchiveConflict, intruder.ExitCode);
        Assert.Contains("belongs to PostgreSQL system", intruder.Stderr);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> PushAsync(ArchiveFixture archive, string path)
        => AgentProcess.RunAsync(["wal-push", "--config", archive.SettingsPath, path], TimeSpan.FromMinutes(1));
}
