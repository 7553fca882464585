using System.Diagnostics;
using System.Text;
using NodeAgent.Testing;
using NodeAgent.Testing.Replication;
using Npgsql;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>
/// Planned switchover with <c>nodeagent db promote</c> (refusals for a node that is not a replica and for a stale epoch;
/// a switchover under a writing client that loses nothing; the old primary rejoining), then kill -9 of the new primary in
/// asynchronous mode, where the acknowledged transactions lost are reported. The replication secret is looked for in
/// every log, process argument list and registry object. Real PostgreSQL 15, the local S3/SQS server and BIND.
/// </summary>
[Collection(DatabaseServerCollections.A)]
public sealed class SwitchoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task DbPromote_RefusesANonReplicaAndAStaleEpoch_SwitchesOverWithoutLoss_ThenAsyncFailoverReportsItsLosses()
    {
        await using var bind = await BindServer.StartAsync();
        await using var group = await ReplicationGroup.StartAsync(bind, new ReplicationOptions { AutoFailover = true, Interval = "2s", MinHold = "1s" });
        var one = group.AddNode("db-1", "primary");
        var two = group.AddNode("db-2", "replica");
        var nodes = new[] { one, two };
        await one.InitAsync();
        one.Start();
        await one.WaitRoleAsync("primary", Patience);
        await AckedWriter.CreateTableAsync(one);
        Assert.Equal(0, (await AgentProcess.RunAsync(["backup", "push", "--user-data", one.UserData], Patience)).ExitCode);
        two.Start();
        await two.WaitRoleAsync("replica (streaming)", Patience);
        var secretSeen = ProcessArgumentsWith(group.Options.Password);

        var notReplica = await AgentProcess.RunAsync(["db", "promote", "--user-data", two.UserData, "--node", "db-1"], Patience);
        var stale = await AgentProcess.RunAsync(["db", "promote", "--user-data", two.UserData, "--node", "db-2", "--epoch", "99"], Patience);
        Assert.Equal(7, notReplica.ExitCode);
        Assert.Contains("db-1 already holds", notReplica.Stderr);
        Assert.Contains("not a replica", notReplica.Stderr);
        Assert.Equal(7, stale.ExitCode);
        Assert.Contains("stale epoch", stale.Stderr);

        var cluster = await AgentProcess.RunAsync(["status", "--user-data", two.UserData, "--cluster", group.Cluster], Patience);
        output.WriteLine(cluster.Stdout);
        Assert.Matches(@"db-1\s+primary\s+serving\s+1\s+\S+\s+-\s+-\s+1\s+-", cluster.Stdout);
        Assert.Matches(@"db-2\s+replica\s+streaming\s+1\s+\S+\s+\S+\s+\S+ \S+, \S+ s\s+1\s+db-1", cluster.Stdout);

        // The planned switchover, run on the replica, while a client writes through the name.
        await using var writer = AckedWriter.Start(() => ThroughName(group, nodes), TimeSpan.FromMinutes(3));
        await writer.WaitAckedAsync(100, Patience);
        var promote = await AgentProcess.RunAsync(["db", "promote", "--user-data", two.UserData], Patience);
        Assert.True(promote.ExitCode == 0, promote.Stdout + promote.Stderr + group.Diagnostics());
        Assert.Contains("db-2 is the primary", promote.Stdout);
        var (address, lease) = await group.ReadNameAsync();
        Assert.Equal((two.Address, "db-2", 2L), (address!, lease!.Owner, lease.Epoch));
        await one.WaitRoleAsync("replica (streaming)", Patience);
        var afterSwitch = writer.Acked.Count;
        await writer.WaitAckedAsync(afterSwitch + 50, Patience);
        var ackedBySwitch = writer.Acked;
        Assert.Equal(ackedBySwitch.Count, await CountAsync(two, ackedBySwitch));

        // kill -9 of the new primary, asynchronous: db-1 takes over; what was acknowledged but not received is lost.
        var clock = Stopwatch.StartNew();
        await two.KillAllAsync();
        var moved = await group.WaitNameAsync(one, Patience, TimeSpan.FromMilliseconds(20));
        await one.WaitForAsync(async () => !await one.ScalarAsync<bool>("SELECT pg_is_in_recovery()") ? "yes" : null, Patience, "db-1 promoted");
        await writer.WaitAckedAsync(writer.Acked.Count + 20, Patience);
        await writer.StopAsync();
        var acked = writer.Acked;
        var lost = acked.Count - await CountAsync(one, acked);
        output.WriteLine($"asynchronous mode: the name moved to db-1 {moved.TotalMilliseconds:0} ms after kill -9 of db-2; {acked.Count} acknowledged inserts, {lost} lost (reported, not asserted)");
        Assert.True(moved <= TimeSpan.FromSeconds(6), $"the name moved after {moved.TotalMilliseconds:0} ms, more than three check intervals");

        // The secret: nowhere in logs, process arguments or the registry.
        var password = group.Options.Password;
        foreach (var node in nodes)
        {
            Assert.DoesNotContain(password, node.Agent!.StandardOutput + node.Agent.StandardError);
            Assert.DoesNotContain(password, File.Exists(node.ServerLog) ? await File.ReadAllTextAsync(node.ServerLog) : string.Empty);
            Assert.DoesNotContain(password, await File.ReadAllTextAsync(Path.Combine(node.DataDir, "postgresql.auto.conf")));
        }

        Assert.False(secretSeen, "the replication password appeared in a process's arguments");
        Assert.False(ProcessArgumentsWith(password), "the replication password appears in a process's arguments");
        using var s3 = group.Stack.S3(group.Bucket);
        var objects = await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = group.Bucket, Prefix = $"{group.Cluster}/" });
        foreach (var o in objects.S3Objects.Where(o => !o.Key.Contains("/backups/", StringComparison.Ordinal)))
        {
            using var response = await s3.GetObjectAsync(group.Bucket, o.Key);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            Assert.DoesNotContain(password, await reader.ReadToEndAsync());
        }
    }

    private static string ThroughName(ReplicationGroup group, IReadOnlyList<ReplicationNode> nodes)
    {
        var address = group.ReadNameAsync().GetAwaiter().GetResult().Address;
        return nodes.FirstOrDefault(n => n.Address.Equals(address))?.ConnectionString ?? nodes[0].ConnectionString;
    }

    private static bool ProcessArgumentsWith(string secret)
        => ProcFs.Pids().Any(pid =>
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Contains(secret, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

    private static async Task<long> CountAsync(ReplicationNode node, IReadOnlyList<long> ids)
    {
        await using var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM acks WHERE id = ANY(@ids)", connection);
        count.Parameters.AddWithValue("ids", ids.ToArray());
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
