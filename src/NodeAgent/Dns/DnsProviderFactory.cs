using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Dns.Exec;
using NodeAgent.Dns.Rfc2136;
using NodeAgent.Dns.Route53;
using NodeAgent.Processes;

namespace NodeAgent.Dns;

/// <summary>Builds the provider <c>dns.provider</c> names. Shared by the daemon and <c>nodeagent dns status</c>.</summary>
public static class DnsProviderFactory
{
    public static IDnsProvider Create(AgentConfig config, IProcessRunner processes, ILoggerFactory loggers, TimeProvider time, AwsRequestCounter? counter = null)
    {
        var dns = config.Dns ?? throw new InvalidOperationException("no dns section in user-data");
        return dns.Provider switch
        {
            DnsProviderKind.Rfc2136 => new Rfc2136Provider(dns.Zone, dns.Rfc2136!, dns.Timeout, time, loggers.CreateLogger<Rfc2136Provider>()),
            DnsProviderKind.Route53 => new Route53Provider(dns.Zone, dns.Route53!, config.Aws, dns.Timeout, time, loggers.CreateLogger<Route53Provider>(), counter),
            DnsProviderKind.Exec => new ExecDnsProvider(dns.Zone, dns.Exec!, processes, loggers.CreateLogger<ExecDnsProvider>()),
            _ => throw new InvalidOperationException($"unknown DNS provider {dns.Provider}"),
        };
    }
}
