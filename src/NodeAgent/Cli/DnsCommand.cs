using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Dns.Registration;
using NodeAgent.Hosting;
using NodeAgent.Processes;
using NodeAgent.Registry;
using NodeAgent.Storage;

namespace NodeAgent.Cli;

/// <summary>
/// <c>nodeagent dns status</c>: who holds each shared name a role claims (the lb pair's <c>lb</c>: epoch, lease
/// since/expiry), and every registered
/// node's own record as the registry names it next to what DNS answers. Reads through the same provider the agent
/// uses. Exit 0 when DNS and the registry could be read, 1 otherwise (with the reason on stderr).
/// </summary>
public static class DnsCommand
{
    public static Command Create(CliContext context)
    {
        var status = new Command("status", "Show who holds each shared name such as lb.<zone> (epoch, lease expiry) and each node's DNS record.");
        status.SetAction((parse, ct) => StatusAsync(parse, context, ct));
        var dns = new Command("dns", "DNS registration and the lb pair's shared name.");
        dns.Subcommands.Add(status);
        return dns;
    }

    private static async Task<int> StatusAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Error);
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            return (int)code;
        }

        var config = boot.Config;
        if (config.Dns is not { } dns)
        {
            await context.Error.WriteLineAsync("dns status: this node's user-data has no dns section; DNS registration is off");
            return (int)ExitCode.Failure;
        }

        var output = context.Out;
        var exit = ExitCode.Ok;
        var now = DateTimeOffset.UtcNow;
        var provider = DnsProviderFactory.Create(config, new CliWrapProcessRunner(), loggers, TimeProvider.System);
        try
        {
            await output.WriteLineAsync($"zone      {dns.Zone} via {provider.Description}");
            var dnsReadable = true;
            foreach (var sharedName in SharedNames(config, context.Roles))
            {
                var shared = DnsNames.Fqdn(sharedName.Label, dns.Zone);
                var label = sharedName.Label.PadRight(9);
                try
                {
                    var records = await provider.ReadAsync(shared, cancellationToken);
                    var lease = LeaseRecord.Find(records.Texts);
                    await output.WriteLineAsync($"{label} {shared} -> {(records.Addresses.Count == 0 ? "(no A record)" : string.Join(", ", records.Addresses))}");
                    await output.WriteLineAsync(lease is not null
                        ? $"holder    {lease.Owner}, epoch {lease.Epoch}, since {Stamp(lease.Since)}, lease expires {Stamp(lease.Expires)} ({Relative(lease.Expires - now)})"
                        : records.IsEmpty ? "holder    none (the name is free)" : $"holder    none (no valid lease: {records})");
                }
                catch (DnsProviderException ex)
                {
                    dnsReadable = false;
                    exit = ExitCode.Failure;
                    await output.WriteLineAsync($"{label} {shared}: unknown (DNS cannot be read)");
                    await context.Error.WriteLineAsync($"dns status: cannot read {shared}: {ex.Message}");
                }
            }

            await output.WriteLineAsync($"this node {boot.Identity.NodeId}: {await LocalRoleAsync(config, cancellationToken)}");

            await using var services = new ServiceCollection()
                .AddLogging(b => b.SetMinimumLevel(LogLevel.Error))
                .AddObjectStore(config.Aws)
                .AddRegistryClient(config.Registry)
                .BuildServiceProvider();
            RegistryListing listing;
            try
            {
                listing = await services.GetRequiredService<INodeRegistry>().ListAsync(config.Cluster, null, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await context.Error.WriteLineAsync($"dns status: cannot list the node registry of cluster {config.Cluster}: {ex.Message}");
                return (int)ExitCode.Failure;
            }

            var rows = new List<string[]> { new[] { "ROLE", "NODE", "NAME", "REGISTRY", "DNS", "STATE" } };
            foreach (var entry in listing.Entries)
            {
                var record = entry.Record;
                if (record.DnsName is not { } name)
                {
                    rows.Add([record.Role, record.NodeId, "-", record.Address, "-", "no DNS name" + (entry.Stale ? " (stale entry)" : string.Empty)]);
                    continue;
                }

                string answer;
                string state;
                if (!dnsReadable)
                {
                    (answer, state) = ("?", "unknown");
                }
                else
                {
                    try
                    {
                        var set = await provider.ReadAsync(name, cancellationToken);
                        answer = set.Addresses.Count == 0 ? "(none)" : string.Join(",", set.Addresses);
                        state = set.Addresses.Count == 0 ? "missing"
                            : set.Addresses.Count == 1 && set.Addresses[0].ToString() == record.Address ? "ok" : "differs";
                    }
                    catch (DnsProviderException ex)
                    {
                        (answer, state) = ("?", $"error: {ex.Message}");
                        exit = ExitCode.Failure;
                    }
                }

                rows.Add([record.Role, record.NodeId, name, record.Address, answer, state + (entry.Stale ? " (stale entry)" : string.Empty)]);
            }

            await output.WriteLineAsync("records");
            var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                await output.WriteLineAsync("  " + string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
            }
        }
        finally
        {
            (provider as IDisposable)?.Dispose();
        }

        return (int)exit;
    }

    /// <summary>
    /// The shared names to show: the ones this node's role claims as configured, then every other role's defaults
    /// (a web node shows who holds the lb name).
    /// </summary>
    private static IEnumerable<SharedDnsName> SharedNames(AgentConfig config, RoleCatalog roles)
        => config.SharedDnsNames
            .Concat(roles.All.Where(r => r.Name != config.Role).SelectMany(r => r.DefaultSharedDnsNames))
            .DistinctBy(n => n.Label);

    /// <summary>What the local agent's /healthz says about this node: its failover role, else its own record.</summary>
    private static async Task<string> LocalRoleAsync(AgentConfig config, CancellationToken cancellationToken)
    {
        if (!config.Status.Enabled)
        {
            return "unknown (status endpoint disabled)";
        }

        var url = new Uri($"http://{config.Status.Listen}/healthz");
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
            using var response = await http.GetAsync(url, cancellationToken);
            var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("checks");
            foreach (var check in new[] { FailoverCoordinator.ReadinessCheck, DnsRegistrar.ReadinessCheck })
            {
                if (checks.TryGetProperty(check, out var found) && found.GetProperty("detail").GetString() is { } detail)
                {
                    return detail;
                }
            }

            return "the agent runs but reports nothing about DNS yet";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return $"agent not running (no answer from {url})";
        }
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Relative(TimeSpan span) => span > TimeSpan.Zero
        ? $"in {Math.Ceiling(span.TotalSeconds):0} s"
        : $"expired {Math.Floor(-span.TotalSeconds):0} s ago";
}
