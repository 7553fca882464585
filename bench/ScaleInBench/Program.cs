using System.Globalization;
using System.Text.Json;
using NodeAgent.Testing;
using NodeAgent.Testing.Fleet;

// ScaleInBench [--web=N]: web and lb scale-in under load on the lifecycle fleet (bench/scale-in/run.sh).
//   anchor: the active lb killed (agent + HAProxy): how long until clients are served by the standby (failure detection)
//   web_drain_ms: median over N web nodes of "metadata says Terminated" -> CONTINUE (drained, deregistered, stopped)
//   lb_handover_ms: "metadata says Terminated" on the active lb -> lb.<zone> answers the standby
//   failed: requests that failed outside the anchor's kill window
// Last line: {"bench":"scale-in","failed":F,"web_drain_ms":W,"lb_handover_ms":L}
Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
var webs = args.Where(a => a.StartsWith("--web=", StringComparison.Ordinal)).Select(a => int.Parse(a[6..], CultureInfo.InvariantCulture)).DefaultIfEmpty(3).First();
void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

await using var fleet = await Fleet.StartAsync("si", Log, webNodes: webs + 1, lifecycle: true);
await using var traffic = TrafficProbe.Start(fleet, TimeSpan.FromMinutes(30));
var scenario = new FleetScenario(fleet, traffic, Log);
await traffic.WaitForAsync(TimeSpan.Zero, TimeSpan.FromSeconds(60), body: "shop v1");

// The anchor: what clients wait for without the termination hook (the standby detects the failure).
var (dead, _) = await scenario.KillActiveLbAsync("anchor: active lb killed");
var anchor = scenario.Steps[^1];
await scenario.RestartNodeAsync("killed lb back", dead);
Console.WriteLine($"anchor: kill -9 of the active lb -> clients served by the standby after {anchor.Elapsed.TotalMilliseconds:F0} ms ({anchor.Detail})");

var drains = new List<double>();
foreach (var web in fleet.Webs.Take(webs).ToList())
{
    fleet.ScaleIn(web);
    var done = await fleet.AutoScaling!.WaitForAsync(web.InstanceId, c => c.Hook == Fleet.TerminationHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromMinutes(3));
    var seen = web.Imds!.FirstServed(LbHandover.StatePath, "Terminated") ?? throw new InvalidOperationException("the notice was never read");
    drains.Add((done.At - seen).TotalMilliseconds);
    if (!await web.WaitExitedAsync(TimeSpan.FromSeconds(60)))
    {
        throw new InvalidOperationException($"{web.NodeId} did not exit after CONTINUE");
    }

    Console.WriteLine($"web scale-in {web.NodeId}: notice seen -> CONTINUE {drains[^1]:F0} ms");
}

var active = await fleet.ActiveLbAsync(CancellationToken.None);
var standby = fleet.Lbs.Single(l => l != active);
fleet.ScaleIn(active);
var (detected, handedOver) = await LbHandover.MeasureAsync(fleet, active, standby, TimeSpan.FromMinutes(1));
await fleet.AutoScaling!.WaitForAsync(active.InstanceId, c => c.Hook == Fleet.TerminationHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromMinutes(2));
await traffic.WaitForAsync(traffic.Now, TimeSpan.FromSeconds(30), lb: standby.Address);
var handover = (handedOver - detected).TotalMilliseconds;
Console.WriteLine($"lb scale-in {active.NodeId}: notice seen -> {fleet.LbName} answers {standby.NodeId} in {handover:F0} ms (anchor {anchor.Elapsed.TotalMilliseconds:F0} ms)");

var failed = traffic.UnexpectedFailures();
Console.WriteLine($"traffic: {traffic.Requests} requests, {traffic.Failed} failed, {failed.Count} outside the anchor's kill window");
drains.Sort();
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["bench"] = "scale-in",
    ["failed"] = failed.Count,
    ["web_drain_ms"] = Math.Round(drains[drains.Count / 2]),
    ["lb_handover_ms"] = Math.Round(handover),
}));
return 0;
