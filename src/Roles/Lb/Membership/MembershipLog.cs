using Microsoft.Extensions.Logging;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The lb membership log lines, all in one place so their event ids (4130–4146) stay stable whichever type writes
/// them; each type logs under its own category.
/// </summary>
internal static partial class MembershipLog
{
    [LoggerMessage(EventId = 4130, Level = LogLevel.Information, Message = "Membership: {Server} joined at {Endpoint}")]
    public static partial void Joined(ILogger logger, string server, string endpoint);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "Membership: {Server} draining")]
    public static partial void Draining(ILogger logger, string server);

    [LoggerMessage(EventId = 4132, Level = LogLevel.Information, Message = "Membership: {Server} left")]
    public static partial void Left(ILogger logger, string server);

    [LoggerMessage(EventId = 4133, Level = LogLevel.Information, Message = "Membership: {Server} moved to {Endpoint}")]
    public static partial void Moved(ILogger logger, string server, string endpoint);

    [LoggerMessage(EventId = 4134, Level = LogLevel.Warning, Message = "Membership: {Server} came back within its hold-down after going down; no new traffic for up to {HoldSeconds:0} s")]
    public static partial void Held(ILogger logger, string server, double holdSeconds);

    [LoggerMessage(EventId = 4135, Level = LogLevel.Information, Message = "Membership: {Server} hold-down over; back in rotation")]
    public static partial void Released(ILogger logger, string server);

    [LoggerMessage(EventId = 4136, Level = LogLevel.Warning, Message = "Membership: registry object {Key} ignored: {Reason}")]
    public static partial void Excluded(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 4137, Level = LogLevel.Error, Message = "Membership: registry sync failed; retrying in {DelaySeconds:0.0} s")]
    public static partial void SyncFailed(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 4138, Level = LogLevel.Error, Message = "Membership: taking {Server} out failed; the next round retries")]
    public static partial void LeaveFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(EventId = 4139, Level = LogLevel.Warning, Message = "Membership: {Server} still had {Sessions} session(s) after {DrainSeconds:0} s of drain; shutting them down")]
    public static partial void DrainTimedOut(ILogger logger, string server, int sessions, double drainSeconds);

    [LoggerMessage(EventId = 4140, Level = LogLevel.Information, Message = "Membership: told {Node} it is out of rotation here")]
    public static partial void Acknowledged(ILogger logger, string node);

    [LoggerMessage(EventId = 4141, Level = LogLevel.Warning, Message = "Membership: could not tell {Node} it is out of rotation; it stops after its drain bound")]
    public static partial void AckFailed(ILogger logger, string node, Exception exception);

    [LoggerMessage(EventId = 4142, Level = LogLevel.Warning, Message = "Membership: {Server} went down; a return within {HoldSeconds:0} s is held out")]
    public static partial void ServerDown(ILogger logger, string server, double holdSeconds);

    [LoggerMessage(EventId = 4143, Level = LogLevel.Information, Message = "HAProxy master {Pid} reloaded or restarted (reload {Reloads}); re-checking show servers state")]
    public static partial void Rechecking(ILogger logger, int pid, int reloads);

    [LoggerMessage(EventId = 4144, Level = LogLevel.Warning, Message = "HAProxy runtime API unreachable ({Reason}); waiting for the supervisor")]
    public static partial void HaproxyUnreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 4145, Level = LogLevel.Information, Message = "Membership: {Plan}")]
    public static partial void Plan(ILogger logger, string plan);

    [LoggerMessage(EventId = 4146, Level = LogLevel.Error, Message = "Membership: applying changes to HAProxy failed; retrying every second (logged again when the error changes)")]
    public static partial void TickFailed(ILogger logger, Exception exception);
}
