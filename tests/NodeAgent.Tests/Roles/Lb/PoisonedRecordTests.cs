using System.Text.Json;
using NodeAgent.Registry;
using NodeAgent.Storage;
using NodeAgent.Testing;
using NodeAgent.Tests.Roles.Lb.Haproxy;

namespace NodeAgent.Tests.Roles.Lb;

/// <summary>
/// Issue 12 #13: a registry record whose node id ends in a newline used to reach haproxy.cfg (so <c>haproxy -c</c>
/// failed) and membership.json, and an lb restarted while it was there failed at "start HAProxy" — for good, even after
/// the record was deleted. A real lb node (agent and HAProxy) restarted while a poisoned record is in the registry, and
/// a poisoned entry is in its membership.json, must start, serve, and log what it ignored; and again once the record
/// is gone.
/// </summary>
public sealed class PoisonedRecordTests
{
    [Fact]
    public async Task LbRestart_WithAPoisonedRegistryRecordAndMembershipEntry_StartsServesAndLogsWhatItIgnored_AndAgainAfterRemoval()
    {
        await using var fleet = await LbFleet.CreateAsync("poison");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx);
        await LbScenarioTests.WaitForServersAsync(lb, 1);

        // The poisoned record: a node id ending in a newline, under a key that ends the same way, otherwise healthy.
        await using var services = fleet.Stack.Services(fleet.Bucket);
        var store = fleet.Stack.Store(services);
        var poisonedKey = RegistryKeys.Node(fleet.Cluster, "web", "web-9\n");
        var now = DateTimeOffset.UtcNow;
        await store.PutAsync(poisonedKey, NodeRecordJson.Serialize(new NodeRecord
        {
            Cluster = fleet.Cluster,
            Role = "web",
            NodeId = "web-9\n",
            InstanceId = "i-web-9",
            Address = nginx.Address.ToString(),
            Ports = new Dictionary<string, int> { ["http"] = nginx.Port },
            Apps = new Dictionary<string, AppStatus> { ["shop"] = new() },
            Health = NodeHealth.Healthy,
            StartedAt = now,
            HeartbeatAt = now.AddHours(1),
        }), null, CancellationToken.None);

        lb.Stop();
        Assert.True(await lb.Agent.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the lb agent did not stop");
        PoisonMembershipFile(lb.Haproxy.Membership, nginx);

        var again = await fleet.RestartAsync(lb);
        await AssertServesAsync(again);
        await BalancerTests.WaitForAsync(() => Task.FromResult(
            again.Agent.StandardOutput.Contains("\"EventId\":4136") && again.Agent.StandardOutput.Contains("web-9\\\\n")), TimeSpan.FromSeconds(30));
        Assert.Contains("\"EventId\":4121", again.Agent.StandardOutput);
        Assert.DoesNotContain("web-9\n", await File.ReadAllTextAsync(again.Haproxy.Config));
        Assert.DoesNotContain("web-9", await File.ReadAllTextAsync(again.Haproxy.Membership));
        Assert.Equal(["web-1"], (await again.Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App == "shop").Select(s => s.Name).ToArray());

        await store.DeleteAsync(poisonedKey, CancellationToken.None);
        again.Stop();
        Assert.True(await again.Agent.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the lb agent did not stop");
        var third = await fleet.RestartAsync(again);
        await AssertServesAsync(third);
        Assert.DoesNotContain("\"EventId\":4136", third.Agent.StandardOutput);
    }

    /// <summary>What the lb persisted before the fix: the poisoned server beside a good one.</summary>
    private static void PoisonMembershipFile(string path, NginxServer nginx)
    {
        var servers = JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(File.ReadAllText(path))!;
        var entries = servers.Select(s => s.ToDictionary(kv => kv.Key, kv => (object)kv.Value)).ToList();
        entries.Add(new Dictionary<string, object> { ["app"] = "shop", ["name"] = "web-9\n", ["address"] = nginx.Address.ToString(), ["port"] = nginx.Port, ["id"] = 9 });
        File.WriteAllText(path, JsonSerializer.Serialize(entries));
    }

    private static async Task AssertServesAsync(LbFleet.Node lb)
    {
        await LbScenarioTests.WaitForServersAsync(lb, 1);
        await using var load = new LoadLoop(lb.Http!, "shop.test", workers: 2);
        await BalancerTests.WaitForAsync(() => Task.FromResult(load.CountFrom("web-1") > 10), TimeSpan.FromSeconds(20));
        await load.StopAsync();
        Assert.Empty(load.Failures);
    }
}
