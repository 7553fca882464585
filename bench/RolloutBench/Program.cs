using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NodeAgent.Roles.Web.Rollout;
using NodeAgent.Testing;
using NodeAgent.Testing.Fleet;

// RolloutBench [--nodes=8] [--batches=4]: a rolling deploy under load through the lb pair, a good revision then a bad
// one (bench/rollout/run.sh).
//   good_failed_requests: requests that failed while the good revision rolled out (target 0)
//   max_out_of_rotation:  most servers of the app out of READY at once in `show servers state` on the active lb,
//                         sampled every 100 ms during the good rollout (target <= batch size: the anchor)
//   good_rollout_ms:      `nodeagent deploy --wait` of the good revision, publish to "rollout succeeded"
//   bad_nodes_touched:    web nodes that ever moved to the bad revision (target <= batch size)
//   rollback_ms:          the gate failing -> every moved node back on its previous release (target <= 30000)
// Last line: {"bench":"rollout","nodes":8,"batches":4,"good_failed_requests":0,"max_out_of_rotation":2,"bad_nodes_touched":2,"rollback_ms":R,"good_rollout_ms":G,"load":"..."}
Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
int Arg(string name, int fallback) => args.Where(a => a.StartsWith($"--{name}=", StringComparison.Ordinal)).Select(a => int.Parse(a[(name.Length + 3)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(fallback).First();
var nodes = Arg("nodes", 8);
var batches = Arg("batches", 4);
var batchSize = (nodes + batches - 1) / batches;
void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[..3];

var rollout = $"{{strategy: rolling, batch_size: {batchSize}, min_healthy: {nodes - batchSize}, bake: 5s, min_healthy_time: 2s, batch_timeout: 120s, gates: {{error_rate: 5%, response_time: off, min_requests: 10}}}}";
await using var r = await RolloutFleet.StartAsync("rb", Log, nodes, rollout);
var fleet = r.Fleet;
await using var traffic = TrafficProbe.Start(fleet, TimeSpan.FromMinutes(30));
await traffic.WaitForAsync(TimeSpan.Zero, TimeSpan.FromSeconds(60), body: "shop v1");
var timeout = TimeSpan.FromMinutes(10);

// Good revision.
var lb = await fleet.ActiveLbAsync(CancellationToken.None);
using var sampling = new CancellationTokenSource(timeout);
var sampler = RolloutFleet.SampleServersAsync(lb, nodes, sampling.Token);
var from = traffic.Now;
var clock = Stopwatch.StartNew();
var (code, stdout, stderr) = await AgentProcess.RunAsync(r.DeployArgs(r.Commit("good", bad: false), timeout), timeout + TimeSpan.FromMinutes(1));
var goodMs = clock.Elapsed.TotalMilliseconds;
await sampling.CancelAsync();
var (maxOut, samples, worst) = await sampler;
var to = traffic.Now;
Console.Error.WriteLine(stdout);
if (code != 0)
{
    throw new InvalidOperationException($"the good rollout exited {code}:\n{stdout}\n{stderr}");
}

var goodFailed = traffic.Samples.Count(s => s.At >= from && s.At <= to && !s.Ok);
Console.WriteLine($"good rollout: {goodMs:F0} ms, {traffic.Samples.Count(s => s.At >= from && s.At <= to)} requests, {goodFailed} failed; {samples} samples, at most {maxOut} of {nodes} out of READY ({worst})");

// Bad revision: passes the validate hook, answers 500 to a third of real requests.
var before = fleet.Webs.ToDictionary(w => w.NodeId, w => Fleet.DeployState(w).AppliedSequence);
(code, stdout, stderr) = await AgentProcess.RunAsync(r.DeployArgs(r.Commit("bad", bad: true), timeout), timeout + TimeSpan.FromMinutes(1));
Console.Error.WriteLine(stdout);
var progress = await r.ProgressAsync(CancellationToken.None) ?? throw new InvalidOperationException("no rollout record");
if (code != 7 || progress.State != RolloutStates.RolledBack || progress.Halt is null || progress.FinishedAt is null)
{
    throw new InvalidOperationException($"the bad rollout exited {code} in state {progress.State}:\n{stdout}\n{stderr}");
}

var touched = fleet.Webs.Count(w => Fleet.DeployState(w) is var s && (s.AppliedSequence >= progress.Sequence || s.RevertedSequence == progress.Sequence));
var rollbackMs = (progress.FinishedAt.Value - progress.Halt.At).TotalMilliseconds;
Console.WriteLine($"bad rollout: halted at batch {progress.Halt.Batch} by {progress.Halt.Gate} ({progress.Halt.Reason}); {touched} node(s) touched; rolled back in {rollbackMs:F0} ms");

var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["bench"] = "rollout",
    ["nodes"] = nodes,
    ["batches"] = progress.Batches.Count,
    ["good_failed_requests"] = goodFailed,
    ["max_out_of_rotation"] = maxOut,
    ["bad_nodes_touched"] = touched,
    ["rollback_ms"] = Math.Round(rollbackMs),
    ["good_rollout_ms"] = Math.Round(goodMs),
    ["load"] = $"{string.Join(' ', loadBefore)} (after: {string.Join(' ', load)})",
}));
return 0;
