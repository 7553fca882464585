using System.Diagnostics;
using System.Text.Json;
using MySqlConnector;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.MariaDb;

/// <summary>
/// Two real MariaDB 10.11 servers, each with its agent (<c>nodeagent run</c>): a replica seeded from the primary's dump in
/// S3 catches up under a writer, and <c>nodeagent db promote</c> fences the old primary.
/// </summary>
[Collection(DatabaseServerCollections.B)]
public sealed class MariaDbReplicationTests
{
    [Fact]
    public async Task AReplicaBootedFromUserData_CatchesUpUnderAWriter_ChecksumsMatch_AndAfterPromoteTheOldPrimaryRejectsWrites()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("mrepl");
        using var dir = new TempDir("nodeagent-mrepl");
        var secret = dir.Combine("replication.secret");
        await File.WriteAllTextAsync(secret, "s3cret-" + Guid.NewGuid().ToString("N") + "\n");
        await using var primary = await MariaDbServer.StartAsync(serverId: 1);
        await using var replica = await MariaDbServer.StartAsync(serverId: 2);
        await primary.ExecAsync("""
            CREATE DATABASE shop;
            CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(64) NOT NULL, total DECIMAL(10,2), created DATETIME(6) NOT NULL DEFAULT NOW(6));
            INSERT INTO shop.orders (id, customer, total) SELECT seq, CONCAT('c-', seq % 97), seq * 1.25 FROM shop.seq_1_to_5000;
            DROP USER IF EXISTS ''@'localhost';
            CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw';
            CREATE USER 'app'@'localhost' IDENTIFIED BY 'app-pw';
            GRANT ALL ON shop.* TO 'app'@'%';
            GRANT ALL ON shop.* TO 'app'@'localhost';
            """);
        var primaryYaml = await UserDataAsync(dir, stack, bucket, "db-p", primary, "primary", secret, backup: "{full_every: 1h, binlog_interval: 1s}");
        var replicaYaml = await UserDataAsync(dir, stack, bucket, "db-r", replica, "replica", secret, backup: "{enabled: false}");

        await using var primaryAgent = AgentProcess.Start(["run", "--user-data", primaryYaml.Path]);
        await WaitForAsync("the primary's first dump", () => Task.FromResult(primaryAgent.LastEventAt(6100) is not null), primaryAgent);
        using var writing = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var writer = WriteAsync(primary, writing.Token);
        await using var replicaAgent = AgentProcess.Start(["run", "--user-data", replicaYaml.Path]);
        using var http = new HttpClient();

        // Caught up while the writer keeps inserting: the registry record and /metrics say 0 s behind.
        var caughtUp = await WaitForAsync("the replica streaming, 0 s behind, under the writer", async () =>
        {
            var view = await DatabaseViewAsync(stack, bucket, "db-r");
            return view is { } v && v.GetProperty("role").GetString() == "replica" && v.GetProperty("state").GetString() == "streaming"
                   && v.TryGetProperty("lag_seconds", out var lag) && lag.GetDouble() == 0 && writer.Inserted > 50;
        }, replicaAgent);
        var metrics = string.Empty;
        await WaitForAsync("/metrics saying 0 s behind under the writer", async () =>
        {
            metrics = await http.GetStringAsync($"http://{replicaYaml.Address}:9780/metrics");
            return System.Text.RegularExpressions.Regex.IsMatch(metrics, "nodeagent_db_replication_lag_seconds 0\\b");
        }, replicaAgent);
        var insertedWhileCaughtUp = writer.Inserted;
        await WaitForAsync("the writer still writing after the replica caught up", () => Task.FromResult(writer.Inserted >= insertedWhileCaughtUp + 20), replicaAgent);
        await writing.CancelAsync();
        var written = await writer.Task;
        var primaryPosition = (string)(await primary.ScalarAsync("SELECT @@gtid_binlog_pos"))!;
        await WaitForAsync("the replica applied the writer's last insert", async () =>
            (string?)await replica.ScalarAsync("SELECT @@gtid_slave_pos") == primaryPosition, replicaAgent);
        var primarySum = await primary.ScalarAsync("CHECKSUM TABLE shop.orders EXTENDED", column: 1);
        var replicaSum = await replica.ScalarAsync("CHECKSUM TABLE shop.orders EXTENDED", column: 1);
        var status = await AgentProcess.RunAsync(["status", "--cluster", "mrepl", "--user-data", replicaYaml.Path], TimeSpan.FromMinutes(1));
        var replicaServerId = Convert.ToInt64(await replica.ScalarAsync("SELECT @@server_id"));

        Assert.True(caughtUp);
        Assert.True(insertedWhileCaughtUp > 50, $"the writer inserted {insertedWhileCaughtUp} rows before the replica was caught up");
        Assert.True(written >= insertedWhileCaughtUp + 20, $"{written} rows written in all, {insertedWhileCaughtUp} when the replica was caught up");
        Assert.Matches("nodeagent_db_replication_lag_seconds 0\\b", metrics);
        Assert.Contains("nodeagent_db_replication_streaming 1", metrics);
        Assert.Equal(primarySum, replicaSum);
        Assert.Equal(5000L + written, Convert.ToInt64(await replica.ScalarAsync("SELECT COUNT(*) FROM shop.orders")));
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Matches("db-r +replica +streaming", status.Stdout);
        Assert.Matches("db-p +primary +serving", status.Stdout);
        Assert.Equal((long)NodeAgent.Roles.Db.MariaDb.Replication.ServerIds.For("mrepl", "db-r"), replicaServerId);
        Assert.DoesNotContain(await File.ReadAllTextAsync(secret), replicaAgent.StandardOutput + primaryAgent.StandardOutput + status.Stdout, StringComparison.Ordinal);

        // Promotion: the old primary is fenced (read_only) and refuses the app's writes; the new one takes them.
        var promote = await AgentProcess.RunAsync(["db", "promote", "--user-data", replicaYaml.Path, "--timeout", "90s"], TimeSpan.FromMinutes(3));
        Assert.True(promote.ExitCode == 0, $"{promote.Stdout}\n{promote.Stderr}\n{PostgresCluster.Tail(primaryAgent.StandardOutput)}");
        Assert.Contains("db-r is the MariaDB primary at epoch 1", promote.Stdout);
        var rejected = await Assert.ThrowsAsync<MySqlException>(() => AppInsertAsync(primary, 900001));
        Assert.Contains("read-only", rejected.Message, StringComparison.OrdinalIgnoreCase);
        await AppInsertAsync(replica, 900002);
        Assert.Equal(0L, Convert.ToInt64(await replica.ScalarAsync("SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Slave_IO'")));
        await WaitForAsync("the registry showing db-r primary and db-p fenced at epoch 1", async () =>
        {
            var r = await DatabaseViewAsync(stack, bucket, "db-r");
            var p = await DatabaseViewAsync(stack, bucket, "db-p");
            return r?.GetProperty("role").GetString() == "primary" && r?.GetProperty("epoch").GetInt64() == 1
                   && p?.GetProperty("role").GetString() == "fenced" && p?.GetProperty("epoch").GetInt64() == 1;
        }, replicaAgent);
    }

    private static async Task<(string Path, string Address)> UserDataAsync(TempDir dir, LocalStack stack, string bucket, string node, MariaDbServer server, string mode, string secret, string backup)
    {
        // The node's address is where replicas reach its MariaDB (bound to 127.0.0.1 by the test server); the status
        // endpoint gets an address of its own.
        var status = LoopbackPorts.NextAddress();
        var path = dir.Combine($"{node}.yaml");
        await File.WriteAllTextAsync(path, $$"""
            version: 1
            role: db
            cluster: mrepl
            node: {id: {{node}}, instance_id: i-{{node}}, address: 127.0.0.1, state_dir: {{dir.Combine(node + "-state")}}, shutdown_timeout: 5s}
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{status}}:9780"}
            registry: {heartbeat_interval: 1s}
            queue: {wait_time: 1s}
            db:
              engine: mariadb
              health_interval: 500ms
              mariadb:
                host: 127.0.0.1
                port: {{server.Port}}
                user: root
                binlog_dir: {{server.BinlogDir}}
                replication:
                  mode: {{mode}}
                  interval: 500ms
                  password:
                    file: {{secret}}
              backup: {{backup}}
            """);
        return (path, status.ToString());
    }

    private static async Task<JsonElement?> DatabaseViewAsync(LocalStack stack, string bucket, string node)
    {
        await using var services = stack.Services(bucket);
        var stored = await stack.Store(services).GetAsync($"mrepl/nodes/db/{node}.json", CancellationToken.None);
        if (stored is null)
        {
            return null;
        }

        var root = JsonDocument.Parse(stored.Content).RootElement;
        return root.TryGetProperty("database", out var view) ? view.Clone() : null;
    }

    private static async Task AppInsertAsync(MariaDbServer server, int id)
    {
        await using var connection = new MySqlConnection($"Server=127.0.0.1;Port={server.Port};User ID=app;Password=app-pw;Database=shop;Pooling=false;SslMode=None");
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"INSERT INTO orders (id, customer, total) VALUES ({id}, 'app', 1.00)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts one row after another (ids from 10001) until cancelled; bounded by the caller's token.</summary>
    private static Writer WriteAsync(MariaDbServer primary, CancellationToken stop)
    {
        var writer = new Writer();
        writer.Task = Task.Run(async () =>
        {
            await using var connection = new MySqlConnection(primary.ConnectionString);
            await connection.OpenAsync(CancellationToken.None);
            var id = 10000;
            while (!stop.IsCancellationRequested)
            {
                id++;
                await using var command = new MySqlCommand($"INSERT INTO shop.orders (id, customer, total) VALUES ({id}, 'writer', {id % 1000}.50)", connection);
                await command.ExecuteNonQueryAsync(CancellationToken.None);
                Interlocked.Increment(ref writer.InsertedCount);
                await Task.Delay(5, CancellationToken.None);
            }

            return writer.Inserted;
        });
        return writer;
    }

    private static async Task<bool> WaitForAsync(string what, Func<Task<bool>> condition, AgentProcess agent)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            Assert.False(agent.HasExited, $"the agent exited while waiting for {what}:\n{agent.StandardOutput}\n{agent.StandardError}");
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"timed out waiting for {what}:\n{PostgresCluster.Tail(agent.StandardOutput)}");
        return false;
    }

    private sealed class Writer
    {
        public int InsertedCount;

        public int Inserted => Volatile.Read(ref InsertedCount);

        public Task<int> Task { get; set; } = System.Threading.Tasks.Task.FromResult(0);
    }
}
