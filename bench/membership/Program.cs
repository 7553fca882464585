using System.Globalization;
using System.Text.Json;
using NodeAgent.Bench.Membership;
using NodeAgent.Testing;

// bench/membership: see run.sh and README.md.
var joins = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var stack = await LocalStack.StartAsync();
try
{
    var runtime = await JoinBench.RunAsync(stack, "runtime_api", joins);
    var reload = await JoinBench.RunAsync(stack, "reload", joins);
    Console.WriteLine($"runtime_api: joins {string.Join(' ', runtime.JoinMs.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))} ms; failed {runtime.Failed} of {runtime.Requests}");
    Console.WriteLine($"reload:      joins {string.Join(' ', reload.JoinMs.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))} ms; failed {reload.Failed} of {reload.Requests}");
    foreach (var failure in runtime.Failures.Concat(reload.Failures).Take(10))
    {
        Console.WriteLine($"failure: {failure}");
    }

    var runtimeMs = Statistics.Median(runtime.JoinMs);
    var reloadMs = Statistics.Median(reload.JoinMs);
    Console.WriteLine($"median runtime_api {runtimeMs:0} ms, reload {reloadMs:0} ms, ratio reload/runtime {reloadMs / Math.Max(runtimeMs, 1):0.0}");
    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["bench"] = "membership",
        ["runtime_api_ms"] = Math.Round(runtimeMs),
        ["reload_ms"] = Math.Round(reloadMs),
        ["failed"] = runtime.Failed + reload.Failed,
    }));
    return 0;
}
finally
{
    await stack.DisposeAsync();
}
