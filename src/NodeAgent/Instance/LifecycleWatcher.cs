using System.Globalization;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;
using NodeAgent.Status;

namespace NodeAgent.Instance;

/// <summary>
/// Reads instance metadata every <c>lifecycle.poll_interval</c> (5 s) for the three notices that announce the end of
/// the instance: <c>autoscaling/target-lifecycle-state</c> = <c>Terminated</c> (scale-in), <c>spot/instance-action</c>
/// (an interruption in two minutes) and <c>events/recommendations/rebalance</c>. The first two start the
/// <see cref="TerminationSequence"/>; a rebalance recommendation is reported, or drains the node early with
/// <c>lifecycle.rebalance: drain</c>. Metadata that cannot be read fails the round (backoff, logged); the next round
/// reads again.
/// </summary>
public sealed partial class LifecycleWatcher : AgentLoop
{
    private readonly InstanceNoticeReader _reader;
    private readonly TerminationSequence _termination;
    private readonly LifecycleSection _settings;
    private readonly ReadinessState _readiness;
    private readonly ILogger _logger;
    private DateTimeOffset? _reportedRebalance;

    public LifecycleWatcher(InstanceNoticeReader reader, TerminationSequence termination, AgentConfig config, ReadinessState readiness, TimeProvider time, ILogger<LifecycleWatcher> logger)
        : base(time, logger)
    {
        _reader = reader;
        _termination = termination;
        _settings = config.Lifecycle;
        _readiness = readiness;
        _logger = logger;
    }

    public override string LoopName => "instance lifecycle";

    protected override TimeSpan Interval => _settings.PollInterval;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override double SplayFraction => 0.05;

    protected override TimeSpan RetryFloor => _settings.PollInterval;

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var notices = await _reader.ReadAsync(cancellationToken);
        if (notices.Spot is { } spot)
        {
            _termination.Begin(new TerminationNotice(TerminationCause.SpotInterruption, spot.At,
                $"spot interruption: {spot.Action} at {Stamp(spot.At)}"));
        }
        else if (notices.ScaleIn)
        {
            _termination.Begin(new TerminationNotice(TerminationCause.ScaleIn, null, "the Auto Scaling group is terminating the instance (target lifecycle state Terminated)"));
        }
        else if (notices.RebalanceRecommendedAt is { } at && _reportedRebalance != at)
        {
            _reportedRebalance = at;
            var notice = new TerminationNotice(TerminationCause.Rebalance, null, $"rebalance recommended at {Stamp(at)}");
            if (_settings.Rebalance == RebalanceMode.Drain)
            {
                _termination.DrainEarly(notice);
            }
            else
            {
                LogRebalance(_logger, Stamp(at));
                _readiness.Set(TerminationSequence.ReadinessCheck, true, $"{notice.Description}; reported only (lifecycle.rebalance: report)");
            }
        }
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 7642, Level = LogLevel.Warning, Message = "Lifecycle: EC2 recommends rebalancing this instance (at {At}); reporting only (lifecycle.rebalance: report)")]
    private static partial void LogRebalance(ILogger logger, string at);
}
