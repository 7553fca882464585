using System.Diagnostics;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.MariaDb;

/// <summary>A MariaDB db node (<c>nodeagent run</c>) whose backup key is gone: its loops fail loudly and nothing is uploaded.</summary>
[Collection(DatabaseServerCollections.A)]
public sealed class MariaDbNodeKeyTests
{
    [Fact]
    public async Task WithItsKeyFileRemoved_TheBackupLoopAndBinlogShippingFailLoudly_NotReady_AndNothingIsUploaded()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("nokey");
        using var dir = new TempDir("nodeagent-nokey");
        await using var server = await MariaDbServer.StartAsync();
        await server.ExecAsync("CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY); INSERT INTO shop.t VALUES (1); FLUSH BINARY LOGS; INSERT INTO shop.t VALUES (2)");
        var key = EncryptedObjects.WriteLocalKey(dir.Combine("backup.key"));
        File.Delete(key);
        var address = LoopbackPorts.NextAddress();
        var userData = dir.Combine("db-m.yaml");
        await File.WriteAllTextAsync(userData, $$"""
            version: 1
            role: db
            cluster: nokey
            node: {id: db-m, instance_id: i-db-m, address: {{address}}, state_dir: {{dir.Combine("state")}}, shutdown_timeout: 5s}
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{address}}:9780"}
            queue: {wait_time: 1s}
            db:
              engine: mariadb
              health_interval: 500ms
              mariadb: {host: 127.0.0.1, port: {{server.Port}}, user: root, binlog_dir: {{server.BinlogDir}}}
              backup:
                full_every: 1h
                binlog_interval: 1s
                encryption:
                  keys:
                    - id: k-2026
                      local_key:
                        file: {{key}}
            """);

        await using var agent = AgentProcess.Start(["run", "--user-data", userData]);
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        string health = string.Empty;
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            Assert.False(agent.HasExited, $"the agent exited:\n{agent.StandardOutput}\n{agent.StandardError}");
            if (agent.LastEventAt(6101, "k-2026") is not null && agent.LastEventAt(6240, "k-2026") is not null)
            {
                try
                {
                    health = await http.GetStringAsync($"http://{address}:9780/healthz");
                }
                catch (HttpRequestException)
                {
                    // Answers 503 while not ready; read it below.
                    using var response = await http.GetAsync($"http://{address}:9780/healthz");
                    health = await response.Content.ReadAsStringAsync();
                }

                if (health.Contains("db-backup", StringComparison.Ordinal) && health.Contains("k-2026", StringComparison.Ordinal))
                {
                    break;
                }
            }

            await Task.Delay(250);
        }

        await using var services = stack.Services(bucket);
        var stored = await stack.Store(services).ListAsync("nokey/backups/", null, CancellationToken.None);

        Assert.True(agent.LastEventAt(6101, "is unavailable") is not null, $"no failed-backup event naming the key:\n{agent.StandardOutput}");
        Assert.True(agent.LastEventAt(6240, "is unavailable") is not null, $"no failed binlog shipping naming the key:\n{agent.StandardOutput}");
        var backupCheck = System.Text.Json.JsonDocument.Parse(health).RootElement.GetProperty("checks").GetProperty("db-backup");
        Assert.False(backupCheck.GetProperty("ready").GetBoolean());
        Assert.Contains("nothing is stored unencrypted", backupCheck.GetProperty("detail").GetString());
        Assert.Empty(stored.Objects);
    }
}
