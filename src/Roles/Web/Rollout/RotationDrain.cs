using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Health;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// Takes this web node out of rotation on every lb before a rollout swaps its release, and puts it back once its own
/// health check passes on the new release. Out: the node publishes <c>draining</c> with a drain of its own, tells
/// every live lb (<c>membership leave</c>), and waits until each answers <c>removed</c> (its server drained of
/// requests and deleted), within the plan's drain timeout. Back: <c>rise</c> passing checks in a row, all made after
/// the swap, then the node publishes its health again; the lb nodes are nudged to join it (<see cref="JoinNudges"/>).
/// The same machinery as a graceful stop, so a rollout drains exactly as carefully.
/// </summary>
public sealed partial class RotationDrain(
    NodeStatusBoard board,
    NodeRegistration registration,
    MembershipNudger nudger,
    DrainAcknowledgements acknowledgements,
    WebSection web,
    TimeProvider time,
    ILogger<RotationDrain> logger,
    IHealthProbe? probe = null)
{
    /// <summary>Out of rotation on every lb (or the bound passed). False when the node is not in rotation anywhere to
    /// begin with (not registered yet, or stopping).</summary>
    public async Task<bool> LeaveAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        if (!registration.IsRegistered)
        {
            return false;
        }

        var drain = board.BeginRotationDrain(time);
        if (drain is null)
        {
            return false;
        }

        var clock = Stopwatch.StartNew();
        await registration.PublishAsync(cancellationToken);
        var told = await nudger.NotifyLbNodesAsync(MembershipMessage.Leave, cancellationToken);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(bound);
        try
        {
            await acknowledgements.WaitForAllAsync(drain.Id, told, bounded.Token);
            LogOut(logger, told.Count, clock.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var missing = told.Except(acknowledgements.AcknowledgedFor(drain.Id)).ToList();
            LogOutTimedOut(logger, bound.TotalSeconds, string.Join(", ", missing));
        }

        return true;
    }

    /// <summary>Waits for <c>rise</c> passing checks in a row (all started now or later, so on the new release),
    /// within <paramref name="bound"/>. True without a configured check: the lb's own checks guard traffic.</summary>
    public async Task<bool> WaitHealthyAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        if (probe is null || web.Health is not { } check)
        {
            return true;
        }

        var deadline = time.GetUtcNow() + bound;
        var passes = 0;
        string last = "no check yet";
        while (time.GetUtcNow() < deadline)
        {
            var result = await probe.ProbeAsync(cancellationToken);
            passes = result.Success ? passes + 1 : 0;
            last = result.Detail;
            if (passes >= check.Rise)
            {
                return true;
            }

            await Task.Delay(check.Interval, time, cancellationToken);
        }

        LogUnhealthy(logger, bound.TotalSeconds, probe.Target, last);
        return false;
    }

    /// <summary>Back into rotation: health is published again (the lbs are nudged to join when it is healthy).</summary>
    public async Task ReturnAsync(CancellationToken cancellationToken)
    {
        if (!board.IsOutOfRotation)
        {
            return;
        }

        board.EndRotationDrain();
        try
        {
            await registration.PublishAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The heartbeat publishes it again; the lbs' listing finds it then.
            LogReturnFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Rollout: out of rotation on {Count} lb node(s) after {ElapsedMs} ms")]
    private static partial void LogOut(ILogger logger, int count, long elapsedMs);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "Rollout: not every lb node answered within {BoundSeconds:0.#} s (waiting on: {Missing}); swapping anyway")]
    private static partial void LogOutTimedOut(ILogger logger, double boundSeconds, string missing);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "Rollout: health did not pass within {BoundSeconds:0.#} s after the swap ({Target}: {Detail})")]
    private static partial void LogUnhealthy(ILogger logger, double boundSeconds, string target, string detail);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Warning, Message = "Rollout: could not publish the return into rotation; the heartbeat will")]
    private static partial void LogReturnFailed(ILogger logger, Exception exception);
}
