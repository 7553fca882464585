using System.Diagnostics;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Testing;
using NodeAgent.Testing.Replication;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>
/// A replica built from the S3 archive while pgbench writes to the primary, then re-seeded by delta restore after a
/// while away: real PostgreSQL 15, the local S3/SQS server (reached by the replica through a relay that counts the
/// bytes the server sends) and BIND.
/// </summary>
[Collection(DatabaseServerCollections.A)]
public sealed class ReplicaBootstrapTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task ReplicaBootedFromUserDataUnderPgbench_StreamsWithLagUnderASecond_WithoutABaseBackupFromThePrimary_AndDumpsEqual_ThenReseedsByDelta()
    {
        await using var bind = await BindServer.StartAsync();
        await using var group = await ReplicationGroup.StartAsync(bind, new ReplicationOptions { RetainFull = 1 });
        await using var relay = new TcpFaultProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, group.Stack.Endpoint.Port));
        var phases = new List<string>();
        var phase = Stopwatch.StartNew();
        void Phase(string name)
        {
            phases.Add($"{name} {phase.Elapsed.TotalSeconds:0.0} s");
            phase.Restart();
        }

        var primary = group.AddNode("db-1", "primary");
        var replica = group.AddNode("db-2", "replica", relay.Endpoint);

        // The primary: initialised data, served by its agent, which claims db.<zone> and takes the first backup.
        await primary.InitAsync();
        primary.Start();
        await primary.WaitForAsync(async () => (await primary.CheckAsync("db-replication")) is { Ready: true, Detail: var d } && d.StartsWith("primary", StringComparison.Ordinal) ? d : null, Patience, "the primary serving");
        await PgBench.InitAsync(primary, scale: 2);
        await primary.ExecAsync("CREATE TABLE cold AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS payload FROM generate_series(1, 400000) g");
        var backup = await AgentProcess.RunAsync(["backup", "push", "--user-data", primary.UserData], Patience);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var (nameAddress, lease) = await group.ReadNameAsync();
        Assert.Equal(primary.Address, nameAddress);
        Assert.Equal("db-1", lease!.Owner);
        var baseBackupsBefore = BaseBackupCommands(primary);
        Phase("primary, data and backup");

        // The replica boots from user-data while pgbench writes to the primary.
        using var load = PgBench.Start(primary, TimeSpan.FromSeconds(150), clients: 2, extra: ["-R", "100"]);
        relay.ResetCounters();
        var clock = Stopwatch.StartNew();
        replica.Start();
        await replica.WaitForAsync(async () => (await primary.ScalarAsync<object>("SELECT state FROM pg_stat_replication WHERE application_name = 'db-2'")) as string == "streaming" ? "yes" : null,
            Patience, "db-2 streaming from db-1");
        var fullBytes = relay.BytesDownloaded;
        output.WriteLine($"db-2 streaming {clock.Elapsed.TotalSeconds:0.0} s after its agent started; {fullBytes} bytes from the S3 server");

        var lag = await replica.WaitForAsync(async () =>
        {
            var seconds = await primary.ScalarAsync<object>("SELECT coalesce(extract(epoch FROM replay_lag), 0)::float8 FROM pg_stat_replication WHERE application_name = 'db-2'");
            return seconds is double s && s < 1.0 ? (double?)s : null;
        }, Patience, "replay lag under 1 s");
        output.WriteLine($"replay lag {lag:0.000} s under load");
        Phase("replica streaming");
        Assert.True(load is { HasExited: false }, "pgbench stopped before the replica caught up: the lag was not measured under load");
        Assert.Equal(baseBackupsBefore, BaseBackupCommands(primary));
        Assert.DoesNotContain(BaseBackupCommands(primary), l => l.Contains($"@{replica.Address} ", StringComparison.Ordinal));
        Assert.Equal("streaming", await primary.ScalarAsync<string>("SELECT state FROM pg_stat_replication WHERE application_name = 'db-2'"));
        await replica.WaitForAsync(async () => (await replica.CheckAsync("db-replication"))?.Detail is { } d && d.StartsWith("replica (streaming)", StringComparison.Ordinal) ? d : null,
            Patience, "db-2 reporting itself a streaming replica");

        // Quiesce, then both dump the same.
        load.Kill();
        await load.WaitForExitAsync();
        await primary.ExecAsync("CHECKPOINT");
        var end = await primary.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text");
        await replica.WaitForAsync(async () => await replica.ScalarAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{end}'::pg_lsn") ? "yes" : null, Patience, "replay to the primary's end");
        Assert.Equal(await PgDump.AllAsync(primary), await PgDump.AllAsync(replica));

        Phase("quiesce and dump");

        // A while away: the replica stops; the primary changes a little, takes a new backup, and retention drops the
        // WAL the replica would need. On its return it re-seeds by delta restore from that backup, then streams.
        await replica.StopAgentAsync();
        await replica.StopServerAsync();
        await primary.ExecAsync("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid <= 2000; INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 1, now() FROM generate_series(1, 1000) g");
        var second = await AgentProcess.RunAsync(["backup", "push", "--user-data", primary.UserData], Patience);
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        var retain = await AgentProcess.RunAsync(["backup", "retain", "--user-data", primary.UserData], Patience);
        Assert.True(retain.ExitCode == 0, retain.Stdout + retain.Stderr);
        output.WriteLine(retain.Stdout.Trim());

        Phase("changes, backup, retention");
        relay.ResetCounters();
        replica.Start();
        await replica.WaitForAsync(async () => (await primary.ScalarAsync<object>("SELECT state FROM pg_stat_replication WHERE application_name = 'db-2'")) as string == "streaming" ? "yes" : null,
            Patience, "db-2 streaming again after the re-seed");
        var deltaBytes = relay.BytesDownloaded;
        Assert.Contains("\"EventId\":6090", replica.Agent!.StandardOutput);

        Phase("delta re-seed to streaming");

        // The denominator: a full restore of the same backup, counted the same way at the server.
        relay.ResetCounters();
        var scratch = group.Root.Combine("full-restore");
        var full = await AgentProcess.RunAsync(["backup", "restore", "--user-data", replica.UserData, "--to", scratch], Patience);
        Assert.True(full.ExitCode == 0, full.Stdout + full.Stderr);
        var fullRestoreBytes = relay.BytesDownloaded;
        output.WriteLine($"delta re-seed until streaming: {deltaBytes} bytes from the S3 server; full restore of the same backup: {fullRestoreBytes} bytes ({(double)deltaBytes / fullRestoreBytes:0.000})");
        Assert.True(deltaBytes < fullRestoreBytes / 4, $"the delta re-seed fetched {deltaBytes} bytes, not under a quarter of a full restore's {fullRestoreBytes}");
        var endAgain = await primary.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text");
        await replica.WaitForAsync(async () => await replica.ScalarAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{endAgain}'::pg_lsn") ? "yes" : null, Patience, "replay after the re-seed");
        Assert.Equal(await PgDump.AllAsync(primary), await PgDump.AllAsync(replica));
        var commands = BaseBackupCommands(primary);
        Assert.DoesNotContain(commands, l => l.Contains($"@{replica.Address} ", StringComparison.Ordinal));
        Assert.All(commands, l => Assert.Contains(" nodeagent-basebackup@", l));
        output.WriteLine($"phases: {string.Join(", ", phases)}");
    }

    /// <summary>BASE_BACKUP replication commands the primary logged (log_replication_commands), with who sent them.</summary>
    private static IReadOnlyList<string> BaseBackupCommands(ReplicationNode primary)
        => File.Exists(primary.ServerLog) ? File.ReadLines(primary.ServerLog).Where(l => l.Contains("BASE_BACKUP", StringComparison.Ordinal)).ToList() : [];
}
