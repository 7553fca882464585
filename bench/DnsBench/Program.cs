using System.Globalization;
using NodeAgent.Bench.Dns;

// DnsBench race [TRIALS] | failover [TRIALS]: see bench/dns-race/run.sh and bench/failover/run.sh.
var mode = args.FirstOrDefault() ?? string.Empty;
var trials = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
return mode switch
{
    "race" => await RaceBench.RunAsync(trials > 0 ? trials : 1000),
    "failover" => await FailoverBench.RunAsync(trials > 0 ? trials : 20),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: DnsBench race [TRIALS] | failover [TRIALS]");
    return 2;
}
