using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;

namespace NodeAgent.Registry;

/// <summary>
/// The first half of a graceful stop: mark the node draining (sticky), publish that, then let every
/// <see cref="IDrainParticipant"/> finish, within half of <c>node.shutdown_timeout</c> so the rest of the stop (the
/// web server, deregistration) still fits. Deregistration follows when the registration loop stops. A drain runs
/// once: a later call (the graceful stop after an instance lifecycle termination already drained) waits for the first.
/// </summary>
public sealed partial class NodeDrain(
    NodeStatusBoard board,
    NodeRegistration registration,
    IEnumerable<IDrainParticipant> participants,
    AgentConfig config,
    ILogger<NodeDrain> logger,
    TimeProvider? time = null)
{
    private readonly Lock _lock = new();
    private Task? _drain;

    public TimeSpan Bound => config.Node.ShutdownTimeout / 2;

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(Bound, cancellationToken);

    /// <summary>Drains with the participants bounded by <paramref name="bound"/> (a lifecycle termination allows longer than a stop).</summary>
    public Task RunAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_drain is null && !registration.IsRegistered)
            {
                return Task.CompletedTask;
            }

            return _drain ??= DrainAsync(bound, cancellationToken);
        }
    }

    private async Task DrainAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        board.BeginDrain(time);
        try
        {
            await registration.PublishAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPublishFailed(logger, ex);
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(bound);
        await Task.WhenAll(participants.Select(p => RunParticipantAsync(p, bound, bounded.Token)));
        LogDrained(logger, clock.ElapsedMilliseconds);
    }

    private async Task RunParticipantAsync(IDrainParticipant participant, TimeSpan bound, CancellationToken cancellationToken)
    {
        try
        {
            await participant.DrainAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogParticipantTimedOut(logger, participant.Name, bound.TotalSeconds);
        }
        catch (Exception ex)
        {
            LogParticipantFailed(logger, participant.Name, ex);
        }
    }

    [LoggerMessage(EventId = 1620, Level = LogLevel.Information, Message = "Drained in {ElapsedMs} ms")]
    private static partial void LogDrained(ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 1621, Level = LogLevel.Warning, Message = "Could not publish the draining state; lb nodes will notice at their next listing")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1622, Level = LogLevel.Warning, Message = "Drain step '{Participant}' did not finish within {BoundSeconds:0.#} s; stopping anyway")]
    private static partial void LogParticipantTimedOut(ILogger logger, string participant, double boundSeconds);

    [LoggerMessage(EventId = 1623, Level = LogLevel.Error, Message = "Drain step '{Participant}' failed; stopping anyway")]
    private static partial void LogParticipantFailed(ILogger logger, string participant, Exception exception);
}
