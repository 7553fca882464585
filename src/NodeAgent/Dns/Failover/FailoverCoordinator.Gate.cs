using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Dns.Registration;

namespace NodeAgent.Dns.Failover;

/// <summary>The gate in front of claims and takeovers (<see cref="IClaimGate"/>), and the on-demand takeover of a planned switchover.</summary>
public sealed partial class FailoverCoordinator
{
    private async Task<FailoverRole> ClaimFreeAsync(DnsRecordSet observed, IPAddress self, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await GateAllowsAsync(new ClaimAttempt(ClaimKind.Free, Name, null, observed, "the name was free"), cancellationToken))
        {
            return FailoverRole.Standby;
        }

        return await AcquireAsync(DnsPrecondition.Absent, null, self, now, "the name was free", cancellationToken);
    }

    /// <summary>Without a gate every claim may go ahead; a denial keeps this node standby and says why.</summary>
    private async Task<bool> GateAllowsAsync(ClaimAttempt attempt, CancellationToken cancellationToken)
    {
        if (_claimGate is null)
        {
            return true;
        }

        var verdict = await _claimGate.DecideAsync(attempt, cancellationToken);
        if (verdict.Allowed)
        {
            return true;
        }

        var detail = DeniedDetail(attempt, verdict);
        if (_state.Current.Detail != detail)
        {
            LogGateDenied(_logger, Name, attempt.Kind.ToString(), verdict.Detail);
        }

        Publish(new FailoverSnapshot(FailoverRole.Standby, attempt.Current?.Owner, attempt.Current?.Epoch ?? 0, attempt.Current?.Expires, detail), ready: true);
        return false;
    }

    private string DeniedDetail(ClaimAttempt attempt, ClaimVerdict verdict) => attempt.Current is { } lease
        ? $"standby: {Name} held by {lease.Owner} (epoch {lease.Epoch}, lease until {Stamp(lease.Expires)}); not taking over: {verdict.Detail}"
        : $"standby: {Name} is free; not claiming: {verdict.Detail}";

    /// <summary>
    /// Takes the name over now, on demand (a planned switchover), from the holder with epoch
    /// <paramref name="expectedEpoch"/>: one compare-and-swap on exactly the records read, to this node's address and a
    /// lease with epoch + 1, skipping probes and <c>min_hold</c>. Refused when the name holds another epoch (the caller's
    /// view is stale) or is already this node's. A write that loses to a concurrent renewal is retried on fresh records,
    /// at most three times.
    /// </summary>
    public async Task<TakeoverResult> TakeOverNowAsync(long expectedEpoch, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var self = await _addresses.GetAsync(cancellationToken);
                var observed = await _provider.ReadAsync(Name, cancellationToken);
                var lease = LeaseRecord.Find(observed.Texts);
                if (lease is null)
                {
                    return new TakeoverResult(false, null, $"{Name} holds no valid lease ({observed}); nothing to take over from epoch {expectedEpoch}");
                }

                _highestEpoch = Math.Max(_highestEpoch, lease.Epoch);
                _claim.Epoch.Set(lease.Epoch);
                if (lease.Epoch != expectedEpoch)
                {
                    return new TakeoverResult(false, lease, $"stale epoch: {Name} is at epoch {lease.Epoch} (held by {lease.Owner}), not {expectedEpoch}");
                }

                if (lease.Owner == _identity.NodeId)
                {
                    return new TakeoverResult(false, lease, $"this node already holds {Name} (epoch {lease.Epoch})");
                }

                var now = _time.GetUtcNow();
                var taken = new LeaseRecord(_identity.NodeId, _highestEpoch + 1, now, now + _settings.Lease);
                var result = await _provider.UpdateAsync(
                    new DnsUpdate(Name, DnsPrecondition.Exactly(observed), DnsRecordSet.Of(self, _ttl, taken.Format()), _ttl), cancellationToken);
                _metrics.Update("takeover", result);
                if (result == DnsUpdateResult.PreconditionFailed)
                {
                    LogRaced(_logger, Name, "planned takeover");
                    continue;
                }

                _highestEpoch = taken.Epoch;
                _failedProbes = 0;
                _confirmedUntil = taken.Expires;
                _claim.Takeovers.Inc();
                _claim.Epoch.Set(taken.Epoch);
                LogTookOver(_logger, Name, lease.Owner, self.ToString(), taken.Epoch, reason);
                PublishActive(taken);
                return new TakeoverResult(true, taken, $"took {Name} over from {lease.Owner} (epoch {taken.Epoch})");
            }

            return new TakeoverResult(false, null, $"{Name} changed during each of three attempts; try again");
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 5033, Level = LogLevel.Information, Message = "Failover: not claiming {Name} ({Kind}): {Detail}")]
    private static partial void LogGateDenied(ILogger logger, string name, string kind, string detail);
}
