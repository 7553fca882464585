using Microsoft.Extensions.Logging;

namespace NodeAgent.Roles.Lb.Haproxy;

public sealed partial class LbMembershipService
{
    [LoggerMessage(EventId = 4130, Level = LogLevel.Information, Message = "Membership: {Server} joined at {Endpoint}")]
    private static partial void LogJoined(ILogger logger, string server, string endpoint);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "Membership: {Server} draining")]
    private static partial void LogDraining(ILogger logger, string server);

    [LoggerMessage(EventId = 4132, Level = LogLevel.Information, Message = "Membership: {Server} left")]
    private static partial void LogLeft(ILogger logger, string server);

    [LoggerMessage(EventId = 4133, Level = LogLevel.Information, Message = "Membership: {Server} moved to {Endpoint}")]
    private static partial void LogMoved(ILogger logger, string server, string endpoint);

    [LoggerMessage(EventId = 4134, Level = LogLevel.Warning, Message = "Membership: {Server} came back within its hold-down after going down; no new traffic for up to {HoldSeconds:0} s")]
    private static partial void LogHeld(ILogger logger, string server, double holdSeconds);

    [LoggerMessage(EventId = 4135, Level = LogLevel.Information, Message = "Membership: {Server} hold-down over; back in rotation")]
    private static partial void LogReleased(ILogger logger, string server);

    [LoggerMessage(EventId = 4136, Level = LogLevel.Warning, Message = "Membership: registry object {Key} ignored: {Reason}")]
    private static partial void LogExcluded(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 4137, Level = LogLevel.Error, Message = "Membership: registry sync failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogSyncFailed(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 4138, Level = LogLevel.Error, Message = "Membership: taking {Server} out failed; the next round retries")]
    private static partial void LogLeaveFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(EventId = 4139, Level = LogLevel.Warning, Message = "Membership: {Server} still had {Sessions} session(s) after {DrainSeconds:0} s of drain; shutting them down")]
    private static partial void LogDrainTimedOut(ILogger logger, string server, int sessions, double drainSeconds);

    [LoggerMessage(EventId = 4140, Level = LogLevel.Information, Message = "Membership: told {Node} it is out of rotation here")]
    private static partial void LogAcknowledged(ILogger logger, string node);

    [LoggerMessage(EventId = 4141, Level = LogLevel.Warning, Message = "Membership: could not tell {Node} it is out of rotation; it stops after its drain bound")]
    private static partial void LogAckFailed(ILogger logger, string node, Exception exception);

    [LoggerMessage(EventId = 4142, Level = LogLevel.Warning, Message = "Membership: {Server} went down; a return within {HoldSeconds:0} s is held out")]
    private static partial void LogServerDown(ILogger logger, string server, double holdSeconds);

    [LoggerMessage(EventId = 4143, Level = LogLevel.Information, Message = "HAProxy master {Pid} reloaded or restarted (reload {Reloads}); re-checking show servers state")]
    private static partial void LogRechecking(ILogger logger, int pid, int reloads);

    [LoggerMessage(EventId = 4144, Level = LogLevel.Warning, Message = "HAProxy runtime API unreachable ({Reason}); waiting for the supervisor")]
    private static partial void LogHaproxyUnreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 4146, Level = LogLevel.Error, Message = "Membership: applying changes to HAProxy failed; retrying every second (logged again when the error changes)")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4145, Level = LogLevel.Information, Message = "Membership: {Plan}")]
    private static partial void LogPlan(ILogger logger, string plan);
}
