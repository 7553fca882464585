using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The leaves in progress, one task per server, each taking its server out without failing a request:
/// <list type="number">
/// <item>drain (no new requests; requests carrying its affinity cookie still reach it);</item>
/// <item>wait until its current sessions are 0, at most <c>lb.drain_timeout</c>;</item>
/// <item>the applier's removal (<see cref="IMembershipApplier.RemoveAsync"/>: maintenance, then del server and the
/// files, or a reload without it);</item>
/// <item>a server that left is no longer held, and draining nodes are answered (<see cref="DrainAcknowledger"/>).</item>
/// </list>
/// A leave that fails is logged and forgotten; the next reconcile plans it again. Stopping cuts leaves short: HAProxy
/// keeps the server in drain or maintenance.
/// </summary>
public sealed class ServerLeaves(
    IHaproxyRuntime runtime,
    IMembershipApplier applier,
    HeldServers held,
    HaproxyObserver observer,
    DrainAcknowledger acknowledger,
    MembershipGate gate,
    MembershipMetrics metrics,
    LbSection lb,
    TimeProvider time,
    ILogger<ServerLeaves> logger) : IDisposable
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<ServerKey, Task> _leaving = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The servers whose leave is still running, as of now.</summary>
    public IReadOnlySet<ServerKey> InProgress()
    {
        lock (_leaving)
        {
            return _leaving.Keys.ToHashSet();
        }
    }

    /// <summary>Whether a server of <paramref name="nodeId"/> is still leaving.</summary>
    public bool IsLeaving(string nodeId)
    {
        lock (_leaving)
        {
            return _leaving.Keys.Any(k => k.NodeId == nodeId);
        }
    }

    /// <summary>Starts the leave of <paramref name="server"/> unless it is already leaving.</summary>
    public void Start(HaproxyServer server)
    {
        lock (_leaving)
        {
            if (!_leaving.ContainsKey(server.Key))
            {
                var stopping = _stopping.Token;
                _leaving[server.Key] = Task.Run(() => LeaveAsync(server, stopping));
            }
        }
    }

    /// <summary>Completes when every leave in progress has ended (tests, shutdown).</summary>
    public Task SettledAsync()
    {
        lock (_leaving)
        {
            return Task.WhenAll(_leaving.Values);
        }
    }

    /// <summary>Stopping: cuts the leaves in progress short and waits for them to end (at most until <paramref name="cancellationToken"/>).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await SettledAsync().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HaproxyCommandException)
        {
            // Stopping: a leave still running is cut short; HAProxy keeps the server in drain/maint.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task LeaveAsync(HaproxyServer server, CancellationToken cancellationToken)
    {
        try
        {
            await gate.RunAsync(() => runtime.SetStateAsync(server.Backend, server.Name, "drain", cancellationToken), cancellationToken);
            MembershipLog.Draining(logger, server.Path);
            await WaitForSessionsToEndAsync(server, cancellationToken);
            await applier.RemoveAsync(server, cancellationToken);
            await gate.RunAsync(() =>
            {
                held.Forget(server.Key);
                return Task.CompletedTask;
            }, cancellationToken);
            metrics.Applied(MembershipMetrics.Leave);
            MembershipLog.Left(logger, server.Path);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            MembershipLog.LeaveFailed(logger, server.Path, ex);
        }
        finally
        {
            lock (_leaving)
            {
                _leaving.Remove(server.Key);
            }
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await gate.RunAsync(async () =>
                {
                    var running = await observer.RunningAsync(cancellationToken);
                    await acknowledger.AcknowledgeAsync(running, InProgress(), cancellationToken);
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                MembershipLog.AckFailed(logger, server.Name, ex);
            }
        }
    }

    /// <summary>Until the server has no current session, or <c>lb.drain_timeout</c> has passed (logged; maintenance shuts them down).</summary>
    private async Task WaitForSessionsToEndAsync(HaproxyServer server, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + lb.DrainTimeout;
        while (true)
        {
            var sessions = (await runtime.CurrentSessionsAsync(cancellationToken)).GetValueOrDefault(server.Path);
            if (sessions == 0)
            {
                return;
            }

            if (time.GetUtcNow() >= deadline)
            {
                MembershipLog.DrainTimedOut(logger, server.Path, sessions, lb.DrainTimeout.TotalSeconds);
                return;
            }

            await Task.Delay(PollEvery, time, cancellationToken);
        }
    }
}
