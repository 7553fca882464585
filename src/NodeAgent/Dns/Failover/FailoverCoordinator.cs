using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns.Registration;
using NodeAgent.Status;

namespace NodeAgent.Dns.Failover;

/// <summary>
/// A claim on a shared name (the lb pair's <c>lb.&lt;zone&gt;</c>), with the settings of the role that owns it
/// (<see cref="SharedNameClaimSettings"/>). One round (<see cref="RunOnceAsync"/>, every interval) reads the name's A and
/// TXT records and then:
/// <list type="bullet">
/// <item>the name is free: claim it, conditional on "name not in use" (epoch = highest seen + 1);</item>
/// <item>this node owns the lease: it is active; renew the lease when half of it has run, conditional on the exact
/// records just read;</item>
/// <item>another node owns it: this node is standby (stepping down, with a log line, if it was active). If the lease
/// has expired (or is missing), take over at once; otherwise probe the holder, and after <c>fall</c> failed probes in a
/// row, and once the holder has held the name for <c>min_hold</c>, take over.</item>
/// </list>
/// Every write is a compare-and-swap on exactly what was read, changing the A record and the lease TXT (owner, epoch,
/// since, expiry) together; when two nodes race, exactly one write applies and the other sees "precondition failed"
/// and re-reads next round. A role may put an <see cref="IClaimGate"/> in front of every claim and takeover (a db
/// node: only a primary claims, only the most caught-up replica takes over), and may take the name over on demand with
/// the epoch it expects (<see cref="TakeOverNowAsync"/>, a planned db switchover). See docs/dns.md.
/// </summary>
public sealed partial class FailoverCoordinator
{
    public const string ReadinessCheck = "failover";

    private readonly IDnsProvider _provider;
    private readonly IHolderProbe _probe;
    private readonly NodeIdentity _identity;
    private readonly INodeAddressSource _addresses;
    private readonly FailoverState _state;
    private readonly ReadinessState _readiness;
    private readonly DnsMetrics _metrics;
    private readonly ClaimMetrics _claim;
    private readonly IClaimGate? _claimGate;
    private volatile bool _relinquished;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedNameClaimSettings _settings;
    private readonly int _ttl;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _failedProbes;
    private string? _probedHolder;
    private long _highestEpoch;
    private DateTimeOffset? _confirmedUntil;
    private int _failedRounds;

    public FailoverCoordinator(
        IDnsProvider provider,
        IHolderProbe probe,
        SharedNameClaimSettings settings,
        AgentConfig config,
        NodeIdentity identity,
        INodeAddressSource addresses,
        FailoverState state,
        ReadinessState readiness,
        DnsMetrics metrics,
        TimeProvider time,
        ILogger<FailoverCoordinator> logger,
        IClaimGate? claimGate = null)
    {
        var dns = config.Dns ?? throw new InvalidOperationException("a shared name claim needs the dns section");
        _settings = settings;
        _provider = provider;
        _probe = probe;
        _identity = identity;
        _addresses = addresses;
        _state = state;
        _readiness = readiness;
        _metrics = metrics;
        _claim = metrics.Claim(settings.MetricPrefix);
        _claimGate = claimGate;
        _time = time;
        _logger = logger;
        _ttl = dns.Ttl;
        Name = DnsNames.Fqdn(_settings.Label, dns.Zone);
    }

    /// <summary>The shared name, e.g. <c>lb.shop.internal</c>.</summary>
    public string Name { get; }

    public FailoverSnapshot Current => _state.Current;

    /// <summary>One round: read the name, then claim, renew, step down, probe or take over. Returns this node's role.</summary>
    public async Task<FailoverRole> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var self = await _addresses.GetAsync(cancellationToken);
            var observed = await _provider.ReadAsync(Name, cancellationToken);
            var now = _time.GetUtcNow();
            var lease = LeaseRecord.Find(observed.Texts);
            if (lease is not null)
            {
                _highestEpoch = Math.Max(_highestEpoch, lease.Epoch);
                _claim.Epoch.Set(lease.Epoch);
            }

            if (_relinquished)
            {
                // This node is going away (a lifecycle termination handed the name over): it never claims again.
                PublishStandby(observed, lease);
                _failedRounds = 0;
                return FailoverRole.Standby;
            }

            var role = observed.IsEmpty ? await ClaimFreeAsync(observed, self, now, cancellationToken)
                : lease is not null && lease.Owner == _identity.NodeId ? await HoldAsync(observed, lease, self, now, cancellationToken)
                : await WatchAsync(observed, lease, self, now, cancellationToken);
            _failedRounds = 0;
            return role;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A round failed (DNS unreachable, refused…). An active node stays active while the lease it last confirmed is
    /// still running; after that it can no longer know it holds the name, so it stops counting itself active.
    /// </summary>
    public void OnRoundFailed(Exception exception)
    {
        var now = _time.GetUtcNow();
        var current = _state.Current;
        _failedRounds++;
        var log = _failedRounds == 1 || _failedRounds % 30 == 0;
        if (current.Role == FailoverRole.Active && _confirmedUntil is { } until && now < until)
        {
            var detail = $"active: holds {Name} (epoch {current.Epoch}); cannot reach DNS to renew ({exception.Message}); lease valid until {Stamp(until)}";
            _readiness.Set(ReadinessCheck, true, detail);
            _state.Set(current with { Detail = detail });
            if (log)
            {
                LogRoundFailed(_logger, Name, _failedRounds, exception);
            }

            return;
        }

        if (current.Role == FailoverRole.Active)
        {
            LogSelfFenced(_logger, Name, current.Epoch, _confirmedUntil is { } u ? Stamp(u) : "never", exception);
        }
        else if (log)
        {
            LogRoundFailed(_logger, Name, _failedRounds, exception);
        }

        Publish(new FailoverSnapshot(FailoverRole.Unknown, current.Holder, current.Epoch, current.LeaseExpires,
            $"unknown: cannot read {Name}: {exception.Message}"), ready: false);
    }

    /// <summary>Graceful stop: if this node is active, end its lease now (keeping the A record) so the peer takes over at its next round.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (_state.Role != FailoverRole.Active)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var observed = await _provider.ReadAsync(Name, cancellationToken);
            var lease = LeaseRecord.Find(observed.Texts);
            if (lease is null || lease.Owner != _identity.NodeId)
            {
                return;
            }

            var released = lease with { Expires = _time.GetUtcNow() };
            var desired = new DnsRecordSet { Addresses = observed.Addresses, Texts = [released.Format()] };
            var result = await _provider.UpdateAsync(new DnsUpdate(Name, DnsPrecondition.Exactly(observed), desired, _ttl), cancellationToken);
            _metrics.Update("release", result);
            if (result == DnsUpdateResult.Applied)
            {
                LogReleased(_logger, Name, lease.Epoch);
                Publish(new FailoverSnapshot(FailoverRole.Standby, _identity.NodeId, lease.Epoch, released.Expires,
                    $"standby: released {Name} (epoch {lease.Epoch}) on stop"), ready: true);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<FailoverRole> HoldAsync(DnsRecordSet observed, LeaseRecord lease, IPAddress self, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var renewDue = lease.Expires - now <= _settings.Lease / 2;
        var drifted = observed.Addresses.Count != 1 || !observed.Addresses[0].Equals(self) || observed.Texts.Count != 1 || observed.Ttl != _ttl;
        var current = lease;
        if (renewDue || drifted)
        {
            var renewed = lease with { Expires = now + _settings.Lease };
            var result = await _provider.UpdateAsync(
                new DnsUpdate(Name, DnsPrecondition.Exactly(observed), DnsRecordSet.Of(self, _ttl, renewed.Format()), _ttl), cancellationToken);
            _metrics.Update("renew", result);
            if (result == DnsUpdateResult.PreconditionFailed)
            {
                LogRaced(_logger, Name, "renewal");
                return await SettleAsync(self, cancellationToken);
            }

            current = renewed;
        }

        if (_state.Role != FailoverRole.Active)
        {
            LogResumed(_logger, Name, current.Epoch, Stamp(current.Expires));
        }

        _confirmedUntil = current.Expires;
        PublishActive(current);
        return FailoverRole.Active;
    }

    private async Task<FailoverRole> WatchAsync(DnsRecordSet observed, LeaseRecord? lease, IPAddress self, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var holder = lease?.Owner;
        if (_state.Role == FailoverRole.Active)
        {
            LogSteppedDown(_logger, Name, holder ?? "(no valid lease)", lease?.Epoch ?? 0, observed.ToString());
        }

        PublishStandby(observed, lease);

        string reason;
        var kind = ClaimKind.LeaseLapsed;
        if (lease is null)
        {
            reason = $"it has no valid lease ({observed})";
        }
        else if (lease.IsExpired(now))
        {
            reason = $"{holder}'s lease expired at {Stamp(lease.Expires)}";
        }
        else
        {
            if (_probedHolder != holder)
            {
                _probedHolder = holder;
                _failedProbes = 0;
            }

            var probe = await _probe.ProbeAsync(lease.Owner, observed.Addresses.FirstOrDefault(), cancellationToken);
            if (probe.Healthy)
            {
                if (_failedProbes > 0)
                {
                    LogHolderRecovered(_logger, lease.Owner, _failedProbes);
                }

                _failedProbes = 0;
                return FailoverRole.Standby;
            }

            _failedProbes++;
            _claim.ProbeFailures.Inc();
            LogProbeFailed(_logger, lease.Owner, _failedProbes, _settings.Fall, probe.Detail);
            if (_failedProbes < _settings.Fall)
            {
                return FailoverRole.Standby;
            }

            var held = now - lease.Since;
            if (held < _settings.MinHold)
            {
                LogHoldingOff(_logger, lease.Owner, held.TotalSeconds, _settings.MinHold.TotalSeconds);
                return FailoverRole.Standby;
            }

            reason = $"{_failedProbes} failed probes of {lease.Owner} ({probe.Detail})";
            kind = ClaimKind.HolderFailed;
        }

        if (!await GateAllowsAsync(new ClaimAttempt(kind, Name, lease, observed, reason), cancellationToken))
        {
            return FailoverRole.Standby;
        }

        return await AcquireAsync(DnsPrecondition.Exactly(observed), lease, self, now, reason, cancellationToken);
    }

    private async Task<FailoverRole> AcquireAsync(DnsPrecondition precondition, LeaseRecord? previous, IPAddress self, DateTimeOffset now, string reason, CancellationToken cancellationToken)
    {
        var epoch = Math.Max(_highestEpoch, previous?.Epoch ?? 0) + 1;
        var lease = new LeaseRecord(_identity.NodeId, epoch, now, now + _settings.Lease);
        var purpose = precondition.Kind == DnsPreconditionKind.Absent ? "claim" : "takeover";
        DnsUpdateResult result;
        try
        {
            result = await _provider.UpdateAsync(new DnsUpdate(Name, precondition, DnsRecordSet.Of(self, _ttl, lease.Format()), _ttl), cancellationToken);
        }
        catch (DnsProviderException)
        {
            _metrics.Update(purpose, "error");
            throw;
        }

        _metrics.Update(purpose, result);
        if (result == DnsUpdateResult.PreconditionFailed)
        {
            LogRaced(_logger, Name, purpose);
            return await SettleAsync(self, cancellationToken);
        }

        _highestEpoch = epoch;
        _failedProbes = 0;
        _confirmedUntil = lease.Expires;
        if (purpose == "claim")
        {
            LogClaimed(_logger, Name, self.ToString(), epoch);
        }
        else
        {
            _claim.Takeovers.Inc();
            LogTookOver(_logger, Name, previous?.Owner ?? "(unknown)", self.ToString(), epoch, reason);
        }

        PublishActive(lease);
        return FailoverRole.Active;
    }

    /// <summary>
    /// After a write lost its race: read again and take whatever role the name now gives this node, so a round always
    /// ends knowing who holds the name (the other writer, or this node if an earlier write of its own had applied).
    /// </summary>
    private async Task<FailoverRole> SettleAsync(IPAddress self, CancellationToken cancellationToken)
    {
        var observed = await _provider.ReadAsync(Name, cancellationToken);
        var lease = LeaseRecord.Find(observed.Texts);
        if (lease is not null)
        {
            _highestEpoch = Math.Max(_highestEpoch, lease.Epoch);
            _claim.Epoch.Set(lease.Epoch);
        }

        if (lease is not null && lease.Owner == _identity.NodeId && observed.Addresses.Count == 1 && observed.Addresses[0].Equals(self))
        {
            _confirmedUntil = lease.Expires;
            PublishActive(lease);
            return FailoverRole.Active;
        }

        if (_state.Role == FailoverRole.Active)
        {
            LogSteppedDown(_logger, Name, lease?.Owner ?? "(no valid lease)", lease?.Epoch ?? 0, observed.ToString());
        }

        PublishStandby(observed, lease);
        return FailoverRole.Standby;
    }

    private void PublishStandby(DnsRecordSet observed, LeaseRecord? lease)
        => Publish(new FailoverSnapshot(FailoverRole.Standby, lease?.Owner, lease?.Epoch ?? 0, lease?.Expires,
            lease is null
                ? $"standby: {Name} holds {observed} without a valid lease"
                : $"standby: {Name} held by {lease.Owner} (epoch {lease.Epoch}, lease until {Stamp(lease.Expires)})"), ready: true);

    private void PublishActive(LeaseRecord lease)
        => Publish(new FailoverSnapshot(FailoverRole.Active, lease.Owner, lease.Epoch, lease.Expires,
            $"active: holds {Name} (epoch {lease.Epoch}, lease until {Stamp(lease.Expires)})"), ready: true);

    private void Publish(FailoverSnapshot snapshot, bool ready)
    {
        _state.Set(snapshot);
        _readiness.Set(ReadinessCheck, ready, snapshot.Detail);
        _claim.Active.Set(snapshot.Role == FailoverRole.Active ? 1 : 0);
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The node is going away for good (an instance termination): from now on it never claims, renews or takes over the
    /// name. If it holds the name, it hands it over in one conditional write: with a <paramref name="peerNodeId"/> (a
    /// peer its caller found healthy) the name points at the peer at once, whose lease it is (epoch + 1), so clients
    /// move without waiting for the peer's next round; without one the lease just ends now and the peer takes over at
    /// its next round. True when this node held the name and the write applied.
    /// </summary>
    public async Task<bool> HandOverAsync(string? peerNodeId, IPAddress? peerAddress, CancellationToken cancellationToken)
    {
        _relinquished = true;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var observed = await _provider.ReadAsync(Name, cancellationToken);
            var lease = LeaseRecord.Find(observed.Texts);
            if (lease is null || lease.Owner != _identity.NodeId)
            {
                PublishStandby(observed, lease);
                return false;
            }

            var now = _time.GetUtcNow();
            var epoch = Math.Max(_highestEpoch, lease.Epoch) + 1;
            var (desired, handed) = peerNodeId is not null && peerAddress is not null
                ? (DnsRecordSet.Of(peerAddress, _ttl, new LeaseRecord(peerNodeId, epoch, now, now + _settings.Lease).Format()), new LeaseRecord(peerNodeId, epoch, now, now + _settings.Lease))
                : (new DnsRecordSet { Addresses = observed.Addresses, Texts = [(lease with { Expires = now }).Format()] }, lease with { Expires = now });
            var result = await _provider.UpdateAsync(new DnsUpdate(Name, DnsPrecondition.Exactly(observed), desired, _ttl), cancellationToken);
            _metrics.Update("handover", result);
            if (result != DnsUpdateResult.Applied)
            {
                LogRaced(_logger, Name, "handover");
                return false;
            }

            _highestEpoch = Math.Max(_highestEpoch, handed.Epoch);
            LogHandedOver(_logger, Name, handed.Owner == _identity.NodeId ? "(whoever claims it next)" : handed.Owner, handed.Epoch);
            Publish(new FailoverSnapshot(FailoverRole.Standby, handed.Owner, handed.Epoch, handed.Expires,
                $"standby: handed {Name} over to {handed.Owner} (epoch {handed.Epoch}); this node is going away"), ready: true);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "Failover: claimed {Name} -> {Address} (epoch {Epoch}); this node is active")]
    private static partial void LogClaimed(ILogger logger, string name, string address, long epoch);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "Failover: took {Name} over from {Previous} -> {Address} (epoch {Epoch}) because {Reason}; this node is active")]
    private static partial void LogTookOver(ILogger logger, string name, string previous, string address, long epoch, string reason);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Warning, Message = "Failover: lost {Name} to {Holder} (epoch {Epoch}; records {Records}); stepping down to standby")]
    private static partial void LogSteppedDown(ILogger logger, string name, string holder, long epoch, string records);

    [LoggerMessage(EventId = 5023, Level = LogLevel.Information, Message = "Failover: this node holds {Name} (epoch {Epoch}, lease until {Expires}); active")]
    private static partial void LogResumed(ILogger logger, string name, long epoch, string expires);

    [LoggerMessage(EventId = 5024, Level = LogLevel.Warning, Message = "Failover: probe of {Holder} failed ({Failures}/{Fall}): {Detail}")]
    private static partial void LogProbeFailed(ILogger logger, string holder, int failures, int fall, string detail);

    [LoggerMessage(EventId = 5025, Level = LogLevel.Information, Message = "Failover: {Name} changed during our {Operation}; another node wrote first, re-reading next round")]
    private static partial void LogRaced(ILogger logger, string name, string operation);

    [LoggerMessage(EventId = 5026, Level = LogLevel.Information, Message = "Failover: {Holder} fails its probes but has held the name only {HeldSeconds:0} s of the minimum {MinHoldSeconds:0} s; not taking over yet")]
    private static partial void LogHoldingOff(ILogger logger, string holder, double heldSeconds, double minHoldSeconds);

    [LoggerMessage(EventId = 5027, Level = LogLevel.Information, Message = "Failover: released {Name} (epoch {Epoch}) on stop; the peer takes over at its next round")]
    private static partial void LogReleased(ILogger logger, string name, long epoch);

    [LoggerMessage(EventId = 5028, Level = LogLevel.Warning, Message = "Failover: round on {Name} failed ({Failures} in a row; logged on the first and every 30th)")]
    private static partial void LogRoundFailed(ILogger logger, string name, int failures, Exception exception);

    [LoggerMessage(EventId = 5029, Level = LogLevel.Error, Message = "Failover: could not renew {Name} (epoch {Epoch}) before the lease ran out at {Until}; no longer acting as active")]
    private static partial void LogSelfFenced(ILogger logger, string name, long epoch, string until, Exception exception);

    [LoggerMessage(EventId = 5030, Level = LogLevel.Information, Message = "Failover: {Holder} answers its probes again after {Failures} failures")]
    private static partial void LogHolderRecovered(ILogger logger, string holder, int failures);

    [LoggerMessage(EventId = 5034, Level = LogLevel.Warning, Message = "Failover: handed {Name} over to {Peer} (epoch {Epoch}); this node is going away and will not claim it again")]
    private static partial void LogHandedOver(ILogger logger, string name, string peer, long epoch);
}
