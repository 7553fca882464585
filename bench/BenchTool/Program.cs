using NodeAgent.Bench;

// nodeagent-bench BENCH WORKDIR: runs one deploy benchmark and prints its JSON line last.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: nodeagent-bench deploy-latency|fleet-fanout|swap-under-load|crash-deploys|scale|footprint WORKDIR [options]");
    return 2;
}

Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
var work = Path.GetFullPath(args[1]);
if (Directory.Exists(work))
{
    Directory.Delete(work, recursive: true);
}

Directory.CreateDirectory(work);
await using var stack = await BenchStack.StartAsync();
var options = args.Skip(2).Select(a => a.Split('=', 2)).ToDictionary(a => a[0].TrimStart('-'), a => a.Length > 1 ? a[1] : "true");
string json = args[0] switch
{
    "deploy-latency" => await DeployLatency.RunAsync(stack, work, options),
    "fleet-fanout" => await FleetFanout.RunAsync(stack, work, options),
    "swap-under-load" => await SwapUnderLoad.RunAsync(stack, work, options),
    "crash-deploys" => await CrashDeploys.RunAsync(stack, work, options),
    "scale" => await Scale.RunAsync(stack, work, options),
    "footprint" => await Footprint.RunAsync(stack, work, options),
    _ => throw new ArgumentException($"unknown bench {args[0]}"),
};
Console.WriteLine(json);
return 0;
