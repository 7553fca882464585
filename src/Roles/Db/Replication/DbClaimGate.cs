using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Dns.Failover;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// Who may write itself into the writers' name (<see cref="IClaimGate"/>), for a db node:
/// <list type="bullet">
/// <item><b>a free name</b>: a node whose data is a primary's (mode <c>primary</c> or <c>auto</c>), while no other live
/// db node reports itself primary in the registry;</item>
/// <item><b>a takeover</b> (automatic failover, opt-in): a running replica, when no planned switchover of the holder is
/// in progress, when a lapsed lease is not just a dead agent next to a live server, and only if it is the most caught-up
/// replica: every other live replica whose agent and server answer is behind it (highest position; ties go to the lower
/// node id).</item>
/// </list>
/// Exactly one node can win a race between replicas that all believe they are the best: the takeover is a
/// compare-and-swap, and promotion only follows a won one.
/// </summary>
public sealed partial class DbClaimGate : IClaimGate, IDisposable
{
    private readonly IReplicationEngine _engine;
    private readonly PeerDirectory _directory;
    private readonly DbReplicationConfig _replication;
    private readonly NodeIdentity _identity;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public DbClaimGate(IReplicationEngine engine, PeerDirectory directory, DbSection db, NodeIdentity identity, ILogger<DbClaimGate> logger)
    {
        _engine = engine;
        _directory = directory;
        _replication = db.Replication;
        _identity = identity;
        _logger = logger;
        _timeout = TimeSpan.FromMilliseconds(Math.Clamp(_replication.Interval.TotalMilliseconds / 2, 100, 5000));
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = _timeout }) { Timeout = _timeout };
    }

    public async Task<ClaimVerdict> DecideAsync(ClaimAttempt attempt, CancellationToken cancellationToken)
    {
        var local = await _engine.InspectAsync(cancellationToken);
        return attempt.Kind == ClaimKind.Free
            ? await DecideClaimAsync(local, cancellationToken)
            : await DecideTakeoverAsync(attempt, local, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task<ClaimVerdict> DecideClaimAsync(LocalServer local, CancellationToken cancellationToken)
    {
        if (_replication.Mode == ReplicationMode.Replica)
        {
            return ClaimVerdict.Deny("this node is a replica (db.replication.mode: replica); only a primary claims the name");
        }

        if (local.Data != LocalData.Primary)
        {
            return ClaimVerdict.Deny($"this node's data is not a primary's ({local.Detail})");
        }

        var entries = await _directory.EntriesAsync(cancellationToken, TimeSpan.Zero);
        if (entries.FirstOrDefault(e => !e.Stale && e.Record.NodeId != _identity.NodeId && e.Record.Database?.Role == DatabaseView.Primary) is { } other)
        {
            return ClaimVerdict.Deny($"{other.Record.NodeId} reports itself primary in the registry (timeline {other.Record.Database!.Timeline}); resolve that first");
        }

        return ClaimVerdict.Allow("this node has a primary's data and nobody else claims the name");
    }

    private async Task<ClaimVerdict> DecideTakeoverAsync(ClaimAttempt attempt, LocalServer local, CancellationToken cancellationToken)
    {
        if (!_replication.AutoFailover)
        {
            return ClaimVerdict.Deny("automatic failover is off (db.replication.auto_failover); promote with 'nodeagent db promote'");
        }

        if (local.Data != LocalData.Replica || !local.Running)
        {
            return ClaimVerdict.Deny($"only a running replica takes over ({local.Detail}{(local.Running ? string.Empty : ", not running")})");
        }

        var entries = await _directory.EntriesAsync(cancellationToken, TimeSpan.Zero);
        var holder = attempt.Current?.Owner;
        if (holder is not null && entries.FirstOrDefault(e => e.Record.NodeId == holder && !e.Stale) is { Record.Database.State: "switching-over" } switching)
        {
            return ClaimVerdict.Deny($"{holder} is handing over in a planned switchover ({switching.Record.Database!.Detail})");
        }

        if (attempt.Kind == ClaimKind.LeaseLapsed && holder is not null)
        {
            var (endpoint, _) = await _directory.EndpointAsync(holder, cancellationToken);
            endpoint ??= attempt.Observed.Addresses.FirstOrDefault() is { } address ? new PeerEndpoint(holder, address, _engine.Port) : null;
            if (endpoint is not null && await _engine.ProbeAsync(endpoint, _timeout, cancellationToken) is null)
            {
                return ClaimVerdict.Deny($"{holder}'s lease lapsed but its server still accepts connections at {endpoint}; a dead agent is no reason to promote (nothing could fence that server)");
            }
        }

        ReplicationProgress mine;
        try
        {
            mine = (await _engine.ReadStatusAsync(cancellationToken)).Progress;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ClaimVerdict.Deny($"this node's server does not answer ({ex.Message})");
        }

        var peers = entries.Where(e => !e.Stale && e.Record.NodeId != _identity.NodeId && e.Record.NodeId != holder
                                       && e.Record.Database?.Role == DatabaseView.Replica).ToList();
        var answers = await Task.WhenAll(peers.Select(async e => (Entry: e, Progress: await PeerProgressAsync(e.Record, cancellationToken))));
        foreach (var (entry, progress) in answers)
        {
            if (progress is null)
            {
                continue;
            }

            var compared = progress.CompareTo(mine);
            if (compared > 0 || (compared == 0 && string.CompareOrdinal(entry.Record.NodeId, _identity.NodeId) < 0))
            {
                return ClaimVerdict.Deny($"{entry.Record.NodeId} is further or equal and comes first ({progress} against this node's {mine})");
            }
        }

        var counted = answers.Count(a => a.Progress is not null);
        LogMostCaughtUp(_logger, mine.ToString(), counted, peers.Count);
        return ClaimVerdict.Allow($"most caught-up replica at {mine} ({counted} of {peers.Count} other replicas answered)");
    }

    /// <summary>A peer counts only when its agent (which would promote it) and its server both answer in time.</summary>
    private async Task<ReplicationProgress?> PeerProgressAsync(NodeRecord record, CancellationToken cancellationToken)
    {
        if (_directory.EndpointOf(record) is not { } endpoint)
        {
            return null;
        }

        var agent = record.Ports.GetValueOrDefault("status") is > 0 and var port ? AgentAnswersAsync(new IPEndPoint(endpoint.Address, port), cancellationToken) : Task.FromResult(false);
        var progress = _engine.ReadPeerAsync(endpoint, _timeout, cancellationToken);
        return await agent ? await progress : null;
    }

    private async Task<bool> AgentAnswersAsync(IPEndPoint status, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri($"http://{status}/healthz"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 6460, Level = LogLevel.Information, Message = "Failover gate: this replica is the most caught-up at {Position} ({Answered} of {Peers} other replicas answered)")]
    private static partial void LogMostCaughtUp(ILogger logger, string position, int answered, int peers);
}
