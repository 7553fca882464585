using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Failover;

/// <summary>
/// Probes the holder over HTTP, both ways at once: its agent's <c>/healthz</c> (must answer 200) at the address and
/// <c>status</c> port it registered, and a request through its proxy (<c>GET /</c> with the shared name as Host; any
/// HTTP answer counts, since a proxy whose backends are down would be no better on this node) at its <c>http</c>
/// port. The holder's registry entry is read at most every 30 s; when it is missing, the probe uses the address the
/// shared name points at and this node's own ports (the pair shares its configuration). Each request times out after
/// half the failover interval.
/// </summary>
public sealed partial class HttpHolderProbe : IHolderProbe, IDisposable
{
    private static readonly TimeSpan RegistryCacheFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan UnknownRetryAfter = TimeSpan.FromSeconds(5);

    private readonly INodeRegistry _registry;
    private readonly AgentConfig _config;
    private readonly int _httpPort;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly string _sharedName;
    private IReadOnlyDictionary<string, NodeRecord> _peers = new Dictionary<string, NodeRecord>();
    private DateTimeOffset _peersAt = DateTimeOffset.MinValue;

    public HttpHolderProbe(INodeRegistry registry, LbSection lb, AgentConfig config, TimeProvider time, ILogger<HttpHolderProbe> logger)
    {
        _registry = registry;
        _config = config;
        _time = time;
        _logger = logger;
        var failover = lb.Failover;
        _httpPort = lb.HttpBind.Port;
        Timeout = TimeSpan.FromMilliseconds(Math.Clamp(failover.Interval.TotalMilliseconds / 2, 100, 5000));
        _sharedName = DnsNames.Fqdn(failover.Name, config.Dns?.Zone ?? "invalid");
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        })
        {
            Timeout = Timeout,
        };
    }

    public TimeSpan Timeout { get; }

    public async Task<HolderProbeResult> ProbeAsync(string holderNodeId, IPAddress? holderAddress, CancellationToken cancellationToken)
    {
        var record = await LookupAsync(holderNodeId, cancellationToken);
        var address = record is not null && IPAddress.TryParse(record.Address, out var registered) ? registered : holderAddress;
        if (address is null)
        {
            return new HolderProbeResult(false, $"{holderNodeId} has no address in the registry or in DNS");
        }

        var statusPort = record?.Ports.GetValueOrDefault("status") is > 0 and var s ? s : _config.Status.Listen.Port;
        var httpPort = record?.Ports.GetValueOrDefault("http") is > 0 and var h ? h : _httpPort;
        var agentUrl = new Uri($"http://{new IPEndPoint(address, statusPort)}/healthz");
        var proxyUrl = new Uri($"http://{new IPEndPoint(address, httpPort)}/");
        var agent = CheckAsync(agentUrl, null, requireOk: true, cancellationToken);
        var proxy = CheckAsync(proxyUrl, _sharedName, requireOk: false, cancellationToken);
        var (agentOk, agentDetail) = await agent;
        var (proxyOk, proxyDetail) = await proxy;
        return new HolderProbeResult(agentOk && proxyOk, $"agent {agentUrl}: {agentDetail}; proxy {proxyUrl}: {proxyDetail}");
    }

    public void Dispose() => _http.Dispose();

    private async Task<(bool Ok, string Detail)> CheckAsync(Uri url, string? host, bool requireOk, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            return (!requireOk || response.StatusCode == HttpStatusCode.OK, code.ToString(CultureInfo.InvariantCulture));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"no answer within {DurationParser.Format(Timeout)}");
        }
        catch (HttpRequestException ex)
        {
            return (false, ex.InnerException?.Message ?? ex.Message);
        }
    }

    private async Task<NodeRecord?> LookupAsync(string nodeId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now - _peersAt > RegistryCacheFor || (!_peers.ContainsKey(nodeId) && now - _peersAt > UnknownRetryAfter))
        {
            try
            {
                var listing = await _registry.ListAsync(_config.Cluster, LbRole.RoleName, cancellationToken);
                _peers = listing.Entries.GroupBy(e => e.Record.NodeId).ToDictionary(g => g.Key, g => g.First().Record);
                _peersAt = now;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRegistryUnavailable(_logger, nodeId, ex);
            }
        }

        return _peers.GetValueOrDefault(nodeId);
    }

    [LoggerMessage(EventId = 5040, Level = LogLevel.Warning, Message = "Failover: cannot read the registry to find {Holder}'s ports; probing with the last known or this node's own")]
    private static partial void LogRegistryUnavailable(ILogger logger, string holder, Exception exception);
}
