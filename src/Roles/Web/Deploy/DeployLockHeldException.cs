namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Another process holds the app's deploy lock.</summary>
public sealed class DeployLockHeldException(string app, LockOwner? owner, DateTimeOffset now)
    : Exception(owner is null
        ? $"the deploy lock of app '{app}' is held by another process"
        : $"the deploy lock of app '{app}' is held by {owner}{(owner.ExpiresAt < now ? "; it has expired but its holder is still alive" : string.Empty)}")
{
    public LockOwner? Owner { get; } = owner;
}
