using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Lifecycle;

/// <summary>
/// The one shape of a background loop: wait, run one round (<see cref="RunOnceAsync"/>, testable alone), repeat.
/// Splay and backoff live here and nowhere else:
/// <list type="bullet">
/// <item>after a round that succeeded, the next one starts <see cref="Interval"/> later, spread by
/// ±<see cref="SplayFraction"/> so a fleet does not act in lockstep;</item>
/// <item>after a round that threw, the next one starts after a jittered exponential backoff between
/// <see cref="RetryFloor"/> and <see cref="RetryCeiling"/>, reset by the next success. The exception is logged with its
/// object (<see cref="OnRoundFailed"/>), never swallowed;</item>
/// <item><see cref="Wake"/> starts the next round early (a change someone else saw), after
/// <see cref="WakeDebounce"/>.</item>
/// </list>
/// Cancellation of the host's stopping token ends the loop quietly; nothing else does.
/// </summary>
public abstract partial class AgentLoop : BackgroundService
{
    private readonly LoopWakeSignal _wake = new();
    private readonly ILogger _logger;

    protected AgentLoop(TimeProvider time, ILogger logger)
    {
        Time = time;
        _logger = logger;
    }

    /// <summary>Shown in log lines: what this loop does, e.g. "registry heartbeat".</summary>
    public abstract string LoopName { get; }

    protected TimeProvider Time { get; }

    /// <summary>Period between rounds that succeeded.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Wait before the first round; by default one splayed interval. Zero runs the first round at once.</summary>
    protected virtual TimeSpan InitialDelay => LoopBackoff.Splay(Interval, SplayFraction);

    /// <summary>Spread of each period, as a fraction of it.</summary>
    protected virtual double SplayFraction => 0.1;

    /// <summary>First retry delay after a failed round.</summary>
    protected virtual TimeSpan RetryFloor => TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay; by default the interval, so a failing loop never runs less often than a healthy one.</summary>
    protected virtual TimeSpan RetryCeiling => Interval > RetryFloor ? Interval : RetryFloor;

    /// <summary>
    /// True: periods count from the start of a round (a health check every interval, however long the check took).
    /// False (default): from its end.
    /// </summary>
    protected virtual bool FixedRate => false;

    /// <summary>How long a <see cref="Wake"/> waits for more changes before the round starts.</summary>
    protected virtual TimeSpan WakeDebounce => TimeSpan.Zero;

    /// <summary>Rounds that failed in a row; 0 after a success.</summary>
    protected int ConsecutiveFailures { get; private set; }

    /// <summary>One round of the loop's work.</summary>
    public abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Starts the next round now instead of at the end of the current wait. Safe from any thread.</summary>
    public void Wake() => _wake.Set();

    /// <summary>A round threw. The default logs it (with the exception) on the first failure and every 10th after.</summary>
    protected virtual void OnRoundFailed(Exception exception, TimeSpan retryIn)
    {
        if (ConsecutiveFailures == 1 || ConsecutiveFailures % 10 == 0)
        {
            LogRoundFailed(_logger, LoopName, ConsecutiveFailures, retryIn.TotalSeconds, exception);
        }
    }

    /// <summary>A round succeeded after failures.</summary>
    protected virtual void OnRecovered(int failures) => LogRecovered(_logger, LoopName, failures);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new LoopBackoff(RetryFloor, RetryCeiling);
        var delay = InitialDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var woken = await _wake.WaitAsync(delay, Time, stoppingToken);
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                if (woken && WakeDebounce > TimeSpan.Zero)
                {
                    await Task.Delay(WakeDebounce, Time, stoppingToken);
                }

                var started = Time.GetTimestamp();
                await RunOnceAsync(stoppingToken);
                if (ConsecutiveFailures > 0)
                {
                    OnRecovered(ConsecutiveFailures);
                }

                ConsecutiveFailures = 0;
                backoff.Reset();
                delay = LoopBackoff.Splay(Interval, SplayFraction);
                if (FixedRate)
                {
                    delay -= Time.GetElapsedTime(started);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ConsecutiveFailures++;
                delay = backoff.NextDelay();
                OnRoundFailed(ex, delay);
            }
        }
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Error, Message = "{Loop}: round failed ({Failures} in a row; logged on the first and every 10th); retrying in {RetrySeconds:0.0} s")]
    private static partial void LogRoundFailed(ILogger logger, string loop, int failures, double retrySeconds, Exception exception);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "{Loop}: recovered after {Failures} failed round(s)")]
    private static partial void LogRecovered(ILogger logger, string loop, int failures);
}
