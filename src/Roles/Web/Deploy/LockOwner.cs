namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Who holds a deploy lock, for messages and diagnostics.</summary>
public sealed record LockOwner(string Purpose, int Pid, string Host, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"{Purpose} (pid {Pid} on {Host}, since {AcquiredAt:u}, expires {ExpiresAt:u})";
}
