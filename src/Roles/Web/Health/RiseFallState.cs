using NodeAgent.Registry;

namespace NodeAgent.Roles.Web.Health;

/// <summary>
/// Turns a stream of check results into a health state the way HAProxy does: <c>rise</c> consecutive successes make a
/// node healthy, <c>fall</c> consecutive failures make it unhealthy. A node starts as <c>starting</c> and needs
/// <c>rise</c> successes to join. Not thread-safe: one loop owns it.
/// </summary>
public sealed class RiseFallState(int rise, int fall)
{
    private int _successes;
    private int _failures;

    public string State { get; private set; } = NodeHealth.Starting;

    public int ConsecutiveSuccesses => _successes;

    public int ConsecutiveFailures => _failures;

    /// <summary>Records one result; returns true when the state changed.</summary>
    public bool Observe(bool success)
    {
        if (success)
        {
            _successes++;
            _failures = 0;
            if (State != NodeHealth.Healthy && _successes >= rise)
            {
                State = NodeHealth.Healthy;
                return true;
            }
        }
        else
        {
            _failures++;
            _successes = 0;
            if (State != NodeHealth.Unhealthy && _failures >= fall)
            {
                State = NodeHealth.Unhealthy;
                return true;
            }
        }

        return false;
    }
}
