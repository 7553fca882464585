using System.Globalization;
using System.Text;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Where one reconcile's time went: named stages in the order they ended, each with the milliseconds since the
/// previous mark. Logged once per deploy (event 3056), so a slow deploy says which step was slow.
/// </summary>
public sealed class DeployTimeline
{
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly List<(string Stage, double Ms)> _stages = [];
    private long _last;

    public DeployTimeline(TimeProvider time)
    {
        _time = time;
        _start = time.GetTimestamp();
        _last = _start;
    }

    public IReadOnlyList<(string Stage, double Ms)> Stages => _stages;

    public double TotalMs => _time.GetElapsedTime(_start).TotalMilliseconds;

    /// <summary>Ends the stage <paramref name="stage"/> now.</summary>
    public void Mark(string stage)
    {
        var now = _time.GetTimestamp();
        _stages.Add((stage, _time.GetElapsedTime(_last, now).TotalMilliseconds));
        _last = now;
    }

    /// <summary>E.g. <c>desired 12, lock 0, status 25, resolve 3, checkout 60, sync 40, switch 2</c> (milliseconds).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (stage, ms) in _stages)
        {
            text.Append(text.Length == 0 ? string.Empty : ", ").Append(stage).Append(' ').Append(Math.Round(ms).ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
