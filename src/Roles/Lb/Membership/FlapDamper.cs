using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Flap damping: a server that went down (its node reported unhealthy, or HAProxy's checks marked it down) is held
/// out of rotation until <c>lb.flap_hold_down</c> has passed since it went down, even if it comes back sooner. Graceful
/// leaves are not flaps.
/// </summary>
public sealed class FlapDamper(TimeSpan holdDown)
{
    private readonly Dictionary<ServerKey, DateTimeOffset> _downAt = [];

    public void RecordDown(ServerKey key, DateTimeOffset at)
    {
        if (holdDown > TimeSpan.Zero)
        {
            _downAt[key] = at;
        }
    }

    public bool IsHeld(ServerKey key, DateTimeOffset now) => HeldUntil(key, now) is not null;

    /// <summary>When the hold ends, or null when the server is not held.</summary>
    public DateTimeOffset? HeldUntil(ServerKey key, DateTimeOffset now)
    {
        if (!_downAt.TryGetValue(key, out var at))
        {
            return null;
        }

        var until = at + holdDown;
        if (until <= now)
        {
            _downAt.Remove(key);
            return null;
        }

        return until;
    }
}
