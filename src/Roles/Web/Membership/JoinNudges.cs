using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Messaging;
using NodeAgent.Registry;

namespace NodeAgent.Roles.Web.Membership;

/// <summary>
/// Fast joins: once a registry write changed this web node's health to <c>healthy</c> (join) or from healthy to
/// <c>unhealthy</c> (leave), the lb nodes are nudged. The nudge is sent after the write, so the lb reads the new
/// state; the lb nodes are looked up as soon as the health changes, while the write is still on its way. Draining is
/// announced by <see cref="LbDrainParticipant"/>, which also waits for the answers.
/// </summary>
public sealed partial class JoinNudges(MembershipNudger nudger, NodeStatusBoard board, ILogger<JoinNudges> logger)
    : BackgroundService, IRegistrationObserver
{
    private readonly Channel<string> _events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private string _boardHealth = NodeHealth.Starting;
    private Task<IReadOnlyList<NodeRecord>>? _lookup;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        board.Changed += OnBoardChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        board.Changed -= OnBoardChanged;
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public void OnPublished(NodeRecord? previous, NodeRecord current)
    {
        var before = previous?.Health;
        if (before == current.Health)
        {
            return;
        }

        if (current.Health == NodeHealth.Healthy)
        {
            _events.Writer.TryWrite(MembershipMessage.Join);
        }
        else if (before == NodeHealth.Healthy && current.Health == NodeHealth.Unhealthy)
        {
            _events.Writer.TryWrite(MembershipMessage.Leave);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var membershipEvent in _events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    var lookup = Interlocked.Exchange(ref _lookup, null);
                    IReadOnlyList<NodeRecord> lbNodes;
                    try
                    {
                        lbNodes = lookup is not null ? await lookup : await nudger.FindLbNodesAsync(stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && lookup is not null)
                    {
                        lbNodes = await nudger.FindLbNodesAsync(stoppingToken);
                    }

                    await nudger.NotifyAsync(lbNodes, membershipEvent, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogNudgeFailed(logger, membershipEvent, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Looks up the lb nodes the moment health turns healthy or unhealthy, in parallel with the registry write.</summary>
    private void OnBoardChanged()
    {
        var health = board.Health;
        if (health == _boardHealth)
        {
            return;
        }

        _boardHealth = health;
        if (health is NodeHealth.Healthy or NodeHealth.Unhealthy && !_stopping.IsCancellationRequested)
        {
            var lookup = nudger.FindLbNodesAsync(_stopping.Token);
            lookup.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            Interlocked.Exchange(ref _lookup, lookup);
        }
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4052, Level = LogLevel.Warning, Message = "Membership: nudging the lb nodes with '{Event}' failed; they will notice at their next listing")]
    private static partial void LogNudgeFailed(ILogger logger, string @event, Exception exception);
}
