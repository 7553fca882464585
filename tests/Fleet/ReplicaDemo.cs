using System.Diagnostics;
using NodeAgent.Testing;
using NodeAgent.Testing.Replication;
using Spectre.Console;

/// <summary>
/// The demo's replica step (docs/replication.md): a PostgreSQL primary booted from user-data claims db.&lt;zone&gt; and
/// takes a base backup to S3; a replica booted from its own user-data is built from that archive (the primary serves
/// no base backup) and streams; writes reach it; the primary is killed with -9 and the replica is promoted and takes
/// the name; the old primary comes back and rejoins as a replica on the new timeline. Real PostgreSQL 15, BIND and the
/// local S3/SQS server on loopback, every node a real agent process.
/// </summary>
internal static class ReplicaDemo
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var steps = new List<(string Step, TimeSpan Took, string Outcome)>();
        var stepClock = Stopwatch.StartNew();
        void Log(string line) => AnsiConsole.MarkupLineInterpolated($"[grey]{clock.Elapsed.TotalSeconds,6:F1}s[/] {line}");
        void Done(string step, string outcome)
        {
            steps.Add((step, stepClock.Elapsed, outcome));
            Log($"{step}: {outcome}");
            stepClock.Restart();
        }

        try
        {
            Log("starting BIND and the local S3/SQS server; two db nodes with db.replication (auto failover, 2 s interval)");
            await using var bind = await BindServer.StartAsync();
            await using var group = await ReplicationGroup.StartAsync(bind, new ReplicationOptions { AutoFailover = true, Interval = "2s", MinHold = "1s" });
            var primary = group.AddNode("db-1", "auto");
            var replica = group.AddNode("db-2", "replica");

            await primary.InitAsync();
            primary.Start();
            var role = await primary.WaitRoleAsync("primary", Patience);
            await primary.ExecAsync("CREATE TABLE orders (id int PRIMARY KEY, placed timestamptz DEFAULT now()); INSERT INTO orders (id) SELECT generate_series(1, 1000)");
            var backup = await AgentProcess.RunAsync(["backup", "push", "--user-data", primary.UserData], Patience);
            if (backup.ExitCode != 0)
            {
                throw new InvalidOperationException($"backup push failed: {backup.Stderr.Trim()}");
            }

            Done("primary", $"db-1: {role}; {group.Name} → {(await group.ReadNameAsync()).Address}; base backup in S3");

            replica.Start();
            role = await replica.WaitRoleAsync("replica (streaming)", Patience);
            await primary.ExecAsync("INSERT INTO orders (id) SELECT generate_series(1001, 1500)");
            var end = await primary.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text");
            await replica.WaitForAsync(async () => await replica.ScalarAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{end}'::pg_lsn") ? "yes" : null, Patience, "db-2 replaying");
            var served = File.Exists(primary.ServerLog) && File.ReadLines(primary.ServerLog).Any(l => l.Contains("BASE_BACKUP", StringComparison.Ordinal) && l.Contains($"@{replica.Address} ", StringComparison.Ordinal));
            Done("replica joins", $"db-2: {role}; built from the S3 archive ({(served ? "the primary served a base backup!" : "no base backup from the primary")}); {await replica.ScalarAsync<long>("SELECT count(*) FROM orders")} orders replayed");

            var status = await AgentProcess.RunAsync(["status", "--cluster", group.Cluster, "--user-data", replica.UserData], TimeSpan.FromMinutes(1));
            AnsiConsole.WriteLine(status.Stdout);

            var kill = Stopwatch.StartNew();
            await primary.KillAllAsync();
            var named = await group.WaitNameAsync(replica, Patience, TimeSpan.FromMilliseconds(50));
            await replica.WaitForAsync(async () => !await replica.ScalarAsync<bool>("SELECT pg_is_in_recovery()") ? "yes" : null, Patience, "db-2 promoted");
            await replica.ExecAsync("INSERT INTO orders (id) VALUES (1501)");
            var lease = (await group.ReadNameAsync()).Lease;
            Done("kill -9 of the primary", $"{group.Name} answered db-2 after {named.TotalMilliseconds:0} ms (epoch {lease?.Epoch}); db-2 took a write after {kill.Elapsed.TotalMilliseconds:0} ms");

            primary.Start();
            role = await primary.WaitRoleAsync("replica (streaming)", Patience);
            var tip = await replica.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text");
            await primary.WaitForAsync(async () => await primary.ScalarAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{tip}'::pg_lsn") ? "yes" : null, Patience, "db-1 replaying");
            Done("old primary back", $"db-1: {role}; {await primary.ScalarAsync<long>("SELECT count(*) FROM orders")} orders, same as db-2's {await replica.ScalarAsync<long>("SELECT count(*) FROM orders")}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]the replica step failed:[/] {ex.Message}");
            return 1;
        }

        var table = new Table().Title("db replicas: what happened").AddColumns("step", "took", "outcome");
        foreach (var (step, took, outcome) in steps)
        {
            table.AddRow(Markup.Escape(step), $"{took.TotalSeconds:F1} s", Markup.Escape(outcome));
        }

        AnsiConsole.Write(table);
        return 0;
    }
}
