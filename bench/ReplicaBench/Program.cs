using System.Diagnostics;
using System.Globalization;
using System.Net;
using NodeAgent.Bench.Replica;
using NodeAgent.Testing;
using NodeAgent.Testing.Replication;
using Npgsql;

// ReplicaBench WORK_DIR: see bench/replica/run.sh. Settings from the environment: SCALE (pgbench scale, default 70:
// ~1 GB), ROUNDS (bootstrap rounds per tool, default 3), HOT_TRANSACTIONS (writes while the replica is away, default 20000).
Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
var work = args.FirstOrDefault() ?? "/tmp/nodeagent-bench/replica";
var scale = Setting("SCALE", 70);
var rounds = Setting("ROUNDS", 3);
var hot = Setting("HOT_TRANSACTIONS", 20000);
var patience = TimeSpan.FromMinutes(30);
var interval = TimeSpan.FromSeconds(2);
Directory.CreateDirectory(work);
NodeAgent.Roles.Db.Backup.UnixModes.Set(work, (UnixFileMode)0x1ED);
void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

await using var bind = await BindServer.StartAsync();
var socketDir = Path.Combine(work, "sockets");
Directory.CreateDirectory(socketDir);
await Shell.RunAsync("chown", ["postgres:postgres", socketDir]);
var options = new ReplicationOptions
{
    AutoFailover = true,
    Interval = "2s",
    MinHold = "5s",
    RetainFull = 1,
    ExtraPostgresConfig = $"unix_socket_directories = '{socketDir}'\nmax_wal_size = 8GB\ncheckpoint_timeout = 1h\nshared_buffers = 256MB",
};
await using var group = await ReplicationGroup.StartAsync(bind, options);
await using var relay = new TcpFaultProxy(new IPEndPoint(IPAddress.Loopback, group.Stack.Endpoint.Port));
var one = group.AddNode("db-1", "primary");
var two = group.AddNode("db-2", "replica", relay.Endpoint);

Log($"primary: initdb, agent, pgbench -i -s {scale}");
await one.InitAsync();
one.Start();
await WaitCheckAsync(one, "primary");
await PgBench.InitAsync(one, scale);
await one.ExecAsync("CHECKPOINT");
var dbBytes = await one.ScalarAsync<long>("SELECT pg_database_size('postgres')");
Log($"database {dbBytes} bytes");
await AckedWriter.CreateTableAsync(one);

await using var pgbr = await PgBackRestAnchor.StartAsync(Path.Combine(work, "anchor"), group.Stack, group.Bucket, one, socketDir);
var agentArchive = await one.ScalarAsync<string>("SELECT current_setting('archive_command')");
await one.ExecAsync($"ALTER SYSTEM SET archive_command = '{agentArchive.Replace("'", "''", StringComparison.Ordinal)} && {pgbr.ArchivePush}'");
await one.ExecAsync("SELECT pg_reload_conf()");
Log("base backups: nodeagent and pgBackRest");
await one.RunCliAsync(["backup", "push"], patience);
await pgbr.BackupAsync();

// 1. Bootstrap: boot to streaming, alternating order per round.
var agentTimes = new List<double>();
var pgbrTimes = new List<double>();
for (var round = 1; round <= rounds; round++)
{
    foreach (var tool in round % 2 == 1 ? new[] { "agent", "pgbr" } : ["pgbr", "agent"])
    {
        if (tool == "agent")
        {
            await ResetAsync(two);
            var clock = Stopwatch.StartNew();
            two.Start();
            await WaitStreamingAsync(one, "db-2", patience);
            agentTimes.Add(clock.Elapsed.TotalSeconds);
            if (round < rounds)
            {
                await two.KillAllAsync();
            }
        }
        else
        {
            var seconds = (await pgbr.StandbyToStreamingAsync(one, Path.Combine(one.StateDir, "postgres", "replication.pgpass"), Path.Combine(work, "pgbr-standby"), LoopbackPorts.Free(), patience)).TotalSeconds;
            pgbrTimes.Add(seconds);
        }

        Log($"round {round}: {tool} boot to streaming {(tool == "agent" ? agentTimes[^1] : pgbrTimes[^1]):0.00} s");
    }
}

// 2. Delta re-seed: the replica stops, a hot set of the data changes, a new backup, retention drops the old WAL.
Log($"delta: db-2 away while {hot} transactions change a hot set");
await two.StopAgentAsync();
await two.StopServerAsync();
var script = Path.Combine(work, "hot.sql");
await File.WriteAllTextAsync(script, """
    \set aid random(1, 100000)
    \set delta random(-5000, 5000)
    BEGIN;
    UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
    INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :aid, :delta, CURRENT_TIMESTAMP);
    END;
    """);
NodeAgent.Roles.Db.Backup.UnixModes.Set(script, (UnixFileMode)0x1A4);
await Shell.RunAsync(PgBench.Binary, ["-n", "-c", "2", "-t", (hot / 2).ToString(CultureInfo.InvariantCulture), "-f", script, "-h", one.Address.ToString(), "-p", one.PgPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "postgres"], asPostgres: true);
await one.RunCliAsync(["backup", "push"], patience);
await one.RunCliAsync(["backup", "retain"], patience);
relay.ResetCounters();
two.Start();
await WaitStreamingAsync(one, "db-2", patience);
var deltaBytes = relay.BytesDownloaded;
relay.ResetCounters();
var scratch = Path.Combine(work, "full-restore");
await two.RunCliAsync(["backup", "restore", "--to", scratch], patience);
var fullBytes = relay.BytesDownloaded;
Directory.Delete(scratch, recursive: true);
Log($"delta re-seed to streaming {deltaBytes} bytes; full restore {fullBytes} bytes");

// 3. Failover, asynchronous then synchronous: kill -9 of the primary's agent and server under a writing client.
Log("failover, asynchronous: kill -9 of db-1");
var (asyncMs, lostAsync) = await FailoverAsync(one, two);
Log($"async: {asyncMs:0} ms, {lostAsync} acknowledged transactions lost");
one.Start();
await WaitCheckAsync(one, "replica (streaming)");

Log("failover, synchronous: kill -9 of db-2");
var sync = options with { Synchronous = true };
foreach (var node in new[] { one, two })
{
    await node.StopAgentAsync();
    node.Reconfigure(sync);
    node.Start();
}

await WaitCheckAsync(two, "primary");
await WaitCheckAsync(one, "replica (streaming)");
await two.WaitForAsync(async () => await two.ScalarAsync<object>("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'db-1'") as string == "quorum" ? "yes" : null, patience, "db-1 synchronous");
var (syncMs, lostSync) = await FailoverAsync(two, one);
Log($"sync: {syncMs:0} ms, {lostSync} acknowledged transactions lost");

double Median(List<double> values) => values.Order().ElementAt(values.Count / 2) is var m && values.Count % 2 == 1 ? m : (values.Order().ElementAt(values.Count / 2 - 1) + values.Order().ElementAt(values.Count / 2)) / 2;
var agentMedian = Median(agentTimes);
var pgbrMedian = Median(pgbrTimes);
var failoverMs = Math.Max(asyncMs, syncMs);
Console.WriteLine($"database {dbBytes} bytes (pgbench scale {scale}), {rounds} bootstrap rounds per tool (medians), {hot} hot-set transactions while the replica was away");
Console.WriteLine($"{"tool",-12} {"boot to streaming s",20}");
Console.WriteLine($"{"nodeagent",-12} {agentMedian,20:0.00}   rounds {string.Join(", ", agentTimes.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"{"pgbackrest",-12} {pgbrMedian,20:0.00}   rounds {string.Join(", ", pgbrTimes.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"delta re-seed {deltaBytes} bytes, full restore {fullBytes} bytes; failover async {asyncMs:0} ms (lost {lostAsync}), sync {syncMs:0} ms (lost {lostSync}); interval {interval.TotalMilliseconds:0} ms");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"replica\",\"bootstrap_ratio\":{Math.Round(agentMedian / pgbrMedian, 3)},\"delta_bytes_ratio\":{Math.Round((double)deltaBytes / fullBytes, 3)},\"failover_ms\":{failoverMs:0},\"interval_ms\":{interval.TotalMilliseconds:0},\"lost_sync\":{lostSync},\"lost_async\":{lostAsync}}}"));
return 0;

// kill -9 of `primary` while a client writes and pgbench loads it; the time until the name answers `next` and it takes a
// write; acknowledged inserts missing on `next` afterwards.
async Task<(double Ms, long Lost)> FailoverAsync(ReplicationNode primary, ReplicationNode next)
{
    using var load = PgBench.Start(primary, TimeSpan.FromSeconds(60), clients: 2);
    await using var writer = AckedWriter.Start(() => primary.ConnectionString, TimeSpan.FromMinutes(5), firstId: DateTime.UtcNow.Ticks / 1000);
    await writer.WaitAckedAsync(200, patience);
    await Task.Delay(TimeSpan.FromSeconds(10));
    var clock = Stopwatch.StartNew();
    await primary.KillAllAsync();
    await group.WaitNameAsync(next, patience, TimeSpan.FromMilliseconds(20));
    while (true)
    {
        try
        {
            await using var connection = new NpgsqlConnection(next.ConnectionString + ";Timeout=2");
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO acks (id) VALUES (-@id)", connection);
            insert.Parameters.AddWithValue("id", DateTime.UtcNow.Ticks);
            await insert.ExecuteNonQueryAsync();
            break;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            if (clock.Elapsed > patience)
            {
                throw;
            }

            await Task.Delay(20);
        }
    }

    var ms = clock.Elapsed.TotalMilliseconds;
    await writer.StopAsync();
    load.Kill();
    var acked = writer.Acked;
    await using var check = new NpgsqlConnection(next.ConnectionString);
    await check.OpenAsync();
    await using var count = new NpgsqlCommand("SELECT count(*) FROM acks WHERE id = ANY(@ids)", check);
    count.Parameters.AddWithValue("ids", acked.ToArray());
    return (ms, acked.Count - (long)(await count.ExecuteScalarAsync())!);
}

async Task ResetAsync(ReplicationNode node)
{
    await node.KillAllAsync();
    foreach (var dir in new[] { node.DataDir, node.StateDir })
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

async Task WaitStreamingAsync(ReplicationNode primary, string application, TimeSpan timeout)
    => await primary.WaitForAsync(async () => await primary.ScalarAsync<object>($"SELECT state FROM pg_stat_replication WHERE application_name = '{application}'") as string == "streaming" ? "yes" : null,
        timeout, $"{application} streaming");

async Task WaitCheckAsync(ReplicationNode node, string role)
    => await node.WaitForAsync(async () => (await node.CheckAsync("db-replication")) is { Ready: true, Detail: var d } && d.StartsWith(role, StringComparison.Ordinal) ? d : null,
        patience, $"{node.NodeId} {role}");

static int Setting(string name, int fallback)
    => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
