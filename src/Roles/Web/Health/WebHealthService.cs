using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Status;

namespace NodeAgent.Roles.Web.Health;

/// <summary>
/// The web health loop: checks the local web server every <c>interval</c>, turns results into a state with
/// <c>rise</c>/<c>fall</c>, and puts that state into /healthz (check <c>web-health</c>) and the registry (node health).
/// A node becomes <c>healthy</c> only after <c>rise</c> successes, which is when the lb nodes add it. Without
/// <c>web.health</c> the node reports healthy once started and only the balancers' checks guard traffic.
/// </summary>
public sealed partial class WebHealthService(
    IHealthProbe? probe,
    WebSection web,
    NodeStatusBoard board,
    ReadinessState readiness,
    TimeProvider time,
    ILogger<WebHealthService> logger) : AgentLoop(time, logger)
{
    public const string ReadinessCheck = "web-health";

    private readonly HttpCheckConfig? _check = web.Health;
    private readonly RiseFallState _state = new(web.Health?.Rise ?? 1, web.Health?.Fall ?? 1);

    public string State => _state.State;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_check is not null && probe is not null)
        {
            readiness.Set(ReadinessCheck, false, $"starting: {_check.Rise} passing checks of {probe.Target} needed");
        }

        return base.StartAsync(cancellationToken);
    }

    public override string LoopName => "web health";

    /// <summary>
    /// How often a node that has not been judged yet since it started checks: at most every 250 ms, like HAProxy's
    /// <c>fastinter</c> during a transition. It still needs <c>rise</c> passing checks in a row (or <c>fall</c> failures)
    /// — only the wait between them is shorter, so a healthy node is ready ~250 ms after its server answers instead of
    /// <c>(rise - 1) × interval</c> later. Once healthy or unhealthy, checks come every <c>interval</c>.
    /// </summary>
    public static readonly TimeSpan StartingInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A check every <c>interval</c> (<see cref="StartingInterval"/> at most while starting), counted from the
    /// start of the previous one; no splay (rise/fall count checks).</summary>
    protected override TimeSpan Interval => _check is null ? TimeSpan.FromSeconds(5)
        : _state.State == NodeHealth.Starting && _check.Interval > StartingInterval ? StartingInterval : _check.Interval;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override double SplayFraction => 0;

    protected override bool FixedRate => true;

    /// <summary>A check that threw is retried at the next interval, like any other.</summary>
    protected override TimeSpan RetryFloor => Interval;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_check is null || probe is null)
        {
            board.SetHealth(NodeHealth.Healthy);
            LogNoCheck(logger);
            return Task.CompletedTask;
        }

        return base.ExecuteAsync(stoppingToken);
    }

    public override Task RunOnceAsync(CancellationToken cancellationToken) => CheckOnceAsync(cancellationToken);

    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => LogCheckFailed(logger, exception);

    /// <summary>One check: probe, update rise/fall, and on a change update /healthz and the registry.</summary>
    public async Task<ProbeResult> CheckOnceAsync(CancellationToken cancellationToken)
    {
        if (_check is null || probe is null)
        {
            throw new InvalidOperationException("web.health is not configured");
        }

        var result = await probe.ProbeAsync(cancellationToken);
        var changed = _state.Observe(result.Success);
        var healthy = _state.State == NodeHealth.Healthy;
        var detail = _state.State switch
        {
            NodeHealth.Healthy => $"healthy: {result.Detail}",
            NodeHealth.Unhealthy => $"unhealthy: {probe.Target}: {result.Detail}",
            _ => $"starting: {probe.Target}: {result.Detail} ({_state.ConsecutiveSuccesses} of {_check.Rise} passing checks)",
        };
        readiness.Set(ReadinessCheck, healthy, detail);
        if (changed)
        {
            board.SetHealth(_state.State);
            if (healthy)
            {
                LogHealthy(logger, probe.Target, _check.Rise, result.Detail);
            }
            else
            {
                LogUnhealthy(logger, probe.Target, _check.Fall, result.Detail);
            }
        }

        return result;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Web health: healthy after {Rise} passing checks of {Target} ({Detail})")]
    private static partial void LogHealthy(ILogger logger, string target, int rise, string detail);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Web health: unhealthy after {Fall} failed checks of {Target} ({Detail})")]
    private static partial void LogUnhealthy(ILogger logger, string target, int fall, string detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Web health check threw; counting it as not done")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Web health: no web.health check configured; reporting healthy (the balancers' checks guard traffic)")]
    private static partial void LogNoCheck(ILogger logger);
}
