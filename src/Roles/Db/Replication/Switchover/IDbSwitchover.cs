namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// A planned switchover, callable in process (<c>nodeagent db promote</c>, and a primary's instance being terminated):
/// the target replica (or the most caught-up live one) is asked through its queue to take over; it tells the primary
/// through the primary's queue to stop taking writes, replays everything the primary flushed, takes the writers' name
/// with epoch + 1 and promotes. Nothing acknowledged is lost. Refused with a reason when the target is not a replica,
/// the epoch is stale, or nobody holds the name; waits up to <see cref="SwitchoverRequest.Timeout"/> for the outcome.
/// </summary>
public interface IDbSwitchover
{
    Task<SwitchoverOutcome> SwitchOverAsync(SwitchoverRequest request, CancellationToken cancellationToken);
}
