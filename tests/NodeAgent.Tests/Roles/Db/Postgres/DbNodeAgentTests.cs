using System.Diagnostics;
using System.Text.Json;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>A db node end to end: <c>nodeagent run</c> with the db role next to a real PostgreSQL 15.</summary>
[Collection(DatabaseServerCollections.B)]
public sealed class DbNodeAgentTests
{
    [Fact]
    public async Task DbNode_ArchivesThroughItsSocket_TakesTheFirstBackup_ReportsHealth_AndTheBackupVerifies()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("dbnode");
        using var dir = new TempDir("nodeagent-dbnode");
        NodeAgent.Roles.Db.Backup.UnixModes.Set(dir.Path, (UnixFileMode)0x1ED);
        var address = LoopbackPorts.NextAddress();
        var stateDir = dir.Combine("state");
        var settings = Path.Combine(stateDir, "postgres", "archive.json");
        await using var cluster = await PostgresCluster.StartAsync($"dotnet {RepoPaths.AgentDll} wal-push --config {settings} %p");
        await cluster.ExecAsync("CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 5000) g");
        var userData = dir.Combine("db-1.yaml");
        await File.WriteAllTextAsync(userData, $$"""
            version: 1
            role: db
            cluster: dbn
            node: {id: db-1, instance_id: i-db-1, address: {{address}}, state_dir: {{stateDir}}, shutdown_timeout: 5s}
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{address}}:9780"}
            queue: {wait_time: 1s}
            db:
              engine: postgresql
              health_interval: 500ms
              postgresql: {data_dir: {{cluster.DataDir}}, port: {{cluster.Port}}, os_user: postgres}
              backup: {full_every: 1h, retain_full: 2, wal_timeout: 2m}
            """);
        await using var services = stack.Services(bucket);
        var layout = new ArchiveLayout("dbn/backups/postgresql/db-1");

        await using var agent = AgentProcess.Start(["run", "--user-data", userData]);
        var manifests = await WaitForAsync(async () =>
        {
            var complete = await new BackupCatalog(stack.Store(services), layout).CompleteAsync(CancellationToken.None);
            return complete.Count > 0 ? complete : null;
        }, TimeSpan.FromMinutes(4), agent, cluster);
        await cluster.ExecAsync("INSERT INTO orders VALUES (5001, 'after the backup')");
        await cluster.WaitArchivedAsync(await cluster.SwitchWalAsync(), TimeSpan.FromMinutes(1));
        using var http = new HttpClient();
        var health = await WaitForAsync(async () =>
        {
            var doc = JsonDocument.Parse(await http.GetStringAsync($"http://{address}:9780/healthz")).RootElement;
            return doc.GetProperty("status").GetString() == "ready" ? (JsonElement?)doc : null;
        }, TimeSpan.FromMinutes(1), agent, cluster);
        var metrics = await http.GetStringAsync($"http://{address}:9780/metrics");

        Assert.True(File.Exists(Path.Combine(stateDir, "postgres", "wal.sock")), "the agent's wal-push socket is missing");
        Assert.True(agent.StandardOutput.Contains("\"EventId\":6001", StringComparison.Ordinal), $"no WAL archived by the agent:\n{PostgresCluster.Tail(agent.StandardOutput)}\n{PostgresCluster.Tail(cluster.Log)}");
        var checks = health!.Value.GetProperty("checks");
        Assert.True(checks.GetProperty("db").GetProperty("ready").GetBoolean());
        Assert.True(checks.GetProperty("db-archiver").GetProperty("ready").GetBoolean());
        Assert.True(checks.GetProperty("db-backup").GetProperty("ready").GetBoolean());
        Assert.Contains("nodeagent_db_up 1", metrics);
        Assert.Matches("nodeagent_db_backup_age_seconds [0-9]", metrics);
        Assert.Matches("nodeagent_pg_archiver_archived_count [1-9]", metrics);
        Assert.Contains("nodeagent_pg_archiver_failing 0", metrics);
        Assert.Single(manifests!);

        // The database's health is the node's health in the registry (what `nodeagent status --cluster` shows).
        var entry = await WaitForAsync(async () =>
        {
            using var s3 = stack.S3(bucket);
            using var response = await s3.GetObjectAsync(bucket, "dbn/nodes/db/db-1.json");
            using var reader = new StreamReader(response.ResponseStream);
            var json = await reader.ReadToEndAsync();
            return System.Text.RegularExpressions.Regex.IsMatch(json, "\"health\"\\s*:\\s*\"healthy\"") ? json : null;
        }, TimeSpan.FromMinutes(1), agent, cluster);
        Assert.NotNull(entry);

        var list = await AgentProcess.RunAsync(["backup", "list", "--user-data", userData], TimeSpan.FromMinutes(1));
        var verify = await AgentProcess.RunAsync(["backup", "verify", "--user-data", userData, "--query", "SELECT count(*) FROM orders"], TimeSpan.FromMinutes(3));

        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Matches($"{manifests![0].Id} +complete", list.Stdout);
        Assert.True(verify.ExitCode == 0, $"{verify.Stdout}\n{verify.Stderr}");
        Assert.Contains("result    5000", verify.Stdout);
    }

    [Fact]
    public async Task DbNode_WhenPostgresIsDown_IsNotReady_AndSaysWhy()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("dbdown");
        using var dir = new TempDir("nodeagent-dbdown");
        var address = LoopbackPorts.NextAddress();
        var userData = dir.Combine("db-2.yaml");
        await File.WriteAllTextAsync(userData, $$"""
            version: 1
            role: db
            cluster: dbd
            node: {id: db-2, instance_id: i-db-2, address: {{address}}, state_dir: {{dir.Combine("state")}}, shutdown_timeout: 5s}
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{address}}:9780"}
            queue: {wait_time: 1s}
            db:
              engine: postgresql
              health_interval: 300ms
              health_timeout: 1s
              postgresql: {data_dir: {{dir.Combine("nodata")}}, port: {{LoopbackPorts.Free()}}}
              backup: {scheduled: false}
            """);
        await using var agent = AgentProcess.Start(["run", "--user-data", userData]);
        using var http = new HttpClient();

        var reasons = await WaitForAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync($"http://{address}:9780/healthz");
                var body = await response.Content.ReadAsStringAsync();
                return body.Contains("\"db\":{", StringComparison.Ordinal) ? body : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, TimeSpan.FromMinutes(1), agent, null);

        Assert.NotEqual("ready", JsonDocument.Parse(reasons!).RootElement.GetProperty("status").GetString());
        Assert.True(reasons!.Contains("db: PostgreSQL", StringComparison.Ordinal), reasons);
    }

    private static async Task<T?> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, AgentProcess agent, PostgresCluster? cluster)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            Assert.False(agent.HasExited, $"the agent exited ({(agent.HasExited ? agent.ExitCode : 0)}):\n{agent.StandardOutput}\n{agent.StandardError}");
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"timed out after {timeout}:\n{PostgresCluster.Tail(agent.StandardOutput)}\n{agent.StandardError}\n{PostgresCluster.Tail(cluster?.Log ?? string.Empty)}");
        return default;
    }
}
