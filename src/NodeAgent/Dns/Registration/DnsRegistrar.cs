using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Status;

namespace NodeAgent.Dns.Registration;

/// <summary>
/// This node's own A record (<c>lb1.&lt;zone&gt;</c>, <c>web-&lt;id&gt;.&lt;zone&gt;</c>, …): written at boot, re-read every
/// check interval and rewritten when it differs (address change, record lost), removed on a graceful stop — only if
/// it still holds this node's address, so a successor that took the name over keeps it. Reports the outcome on the
/// <c>dns</c> readiness check, the registry record (<c>dns_name</c>) and metrics.
/// </summary>
public sealed partial class DnsRegistrar
{
    public const string ReadinessCheck = "dns";

    private readonly IDnsProvider _provider;
    private readonly INodeAddressSource _addresses;
    private readonly ReadinessState _readiness;
    private readonly DnsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _ttl;
    private IPAddress? _registered;
    private int _failures;

    public DnsRegistrar(
        IDnsProvider provider,
        AgentConfig config,
        NodeIdentity identity,
        INodeAddressSource addresses,
        ReadinessState readiness,
        NodeStatusBoard board,
        DnsMetrics metrics,
        ILogger<DnsRegistrar> logger)
    {
        var dns = config.Dns ?? throw new InvalidOperationException("DNS registration needs the dns section");
        _provider = provider;
        _addresses = addresses;
        _readiness = readiness;
        _metrics = metrics;
        _logger = logger;
        _ttl = dns.Ttl;
        Name = DnsNames.Fqdn(DnsNames.RecordLabel(config, identity), dns.Zone);

        // Set while the host is being built, so the node's first registry entry already names its record.
        board.SetDnsName(Name);
    }

    /// <summary>The node's record, e.g. <c>web-1.shop.internal</c>.</summary>
    public string Name { get; }

    public bool IsRegistered => _registered is not null;

    /// <summary>Reads the record and writes it when it is not exactly this node's address and TTL. True when it wrote.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        var address = await _addresses.GetAsync(cancellationToken);
        var desired = DnsRecordSet.Of(address, _ttl);
        var current = await _provider.ReadAsync(Name, cancellationToken);
        var wrote = false;
        if (!current.SameRecords(desired) || current.Ttl != _ttl)
        {
            await _provider.UpdateAsync(new DnsUpdate(Name, DnsPrecondition.None, desired, _ttl), cancellationToken);
            _metrics.Update("register", "applied");
            LogRegistered(_logger, Name, address.ToString(), _ttl, current.ToString());
            wrote = true;
        }

        if (_failures > 0)
        {
            LogRecovered(_logger, Name, _failures);
        }

        _registered = address;
        _failures = 0;
        _readiness.Set(ReadinessCheck, true, $"{Name} A {address} (ttl {_ttl})");
        _metrics.Registered.Set(1);
        return wrote;
    }

    /// <summary>Records a failed attempt: the readiness check says what failed and when the next attempt is.</summary>
    public void ReportFailure(Exception exception, TimeSpan retryIn)
    {
        _failures++;
        _metrics.Update("register", "error");
        _metrics.Registered.Set(0);
        _readiness.Set(ReadinessCheck, false,
            $"cannot register {Name}: {exception.Message} ({_failures} failed attempt{(_failures == 1 ? string.Empty : "s")}; retrying in {Math.Ceiling(retryIn.TotalSeconds):0} s)");
        if (exception is DnsProviderException { Transient: true })
        {
            LogAttemptFailed(_logger, Name, _failures, retryIn.TotalSeconds, exception);
        }
        else
        {
            LogAttemptFailedPermanently(_logger, Name, _failures, retryIn.TotalSeconds, exception);
        }
    }

    /// <summary>Removes the record if it still holds this node's address (a graceful stop).</summary>
    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        if (_registered is not { } address)
        {
            return;
        }

        var result = await _provider.UpdateAsync(
            new DnsUpdate(Name, DnsPrecondition.Exactly(DnsRecordSet.Of(address, _ttl)), DnsRecordSet.Empty, _ttl), cancellationToken);
        _metrics.Update("deregister", result);
        _registered = null;
        _metrics.Registered.Set(0);
        if (result == DnsUpdateResult.Applied)
        {
            LogDeregistered(_logger, Name, address.ToString());
        }
        else
        {
            LogLeftAlone(_logger, Name, address.ToString());
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "DNS: registered {Name} A {Address} ttl {Ttl} (was {Previous})")]
    private static partial void LogRegistered(ILogger logger, string name, string address, int ttl, string previous);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "DNS: cannot register {Name} (attempt {Failures}); retrying in {DelaySeconds:0.0} s")]
    private static partial void LogAttemptFailed(ILogger logger, string name, int failures, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "DNS: cannot register {Name} (attempt {Failures}); this needs a configuration or server fix; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogAttemptFailedPermanently(ILogger logger, string name, int failures, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "DNS: {Name} registered again after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, string name, int failures);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "DNS: removed {Name} A {Address}")]
    private static partial void LogDeregistered(ILogger logger, string name, string address);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "DNS: {Name} no longer holds only A {Address}; left it alone")]
    private static partial void LogLeftAlone(ILogger logger, string name, string address);
}
