using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Dns.Failover;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Status;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// The replication loop (docs/replication.md): every <c>db.replication.interval</c>, and at once when the writers' name
/// changes hands, it observes the local server and the name's holder, decides with <see cref="ReplicationPlanner"/>,
/// carries the step out under the server lock (start, build or re-seed, promote, fence, rejoin, follow a new primary,
/// keep synchronous standbys), and publishes the node's replication state to the registry (<see cref="DatabaseView"/>),
/// /metrics and the <c>db-replication</c> readiness check. A step that fails is logged with its exception and retried
/// with backoff; every step is safe to repeat.
/// </summary>
public sealed partial class ReplicationService : AgentLoop
{
    public const string CheckName = "db-replication";

    private readonly IReplicationEngine _engine;
    private readonly FailoverState _claim;
    private readonly PeerDirectory _directory;
    private readonly ReplicationState _state;
    private readonly EpochStore _epochs;
    private readonly DbReplicationConfig _replication;
    private readonly NodeIdentity _identity;
    private readonly NodeStatusBoard _board;
    private readonly ReadinessState _readiness;
    private readonly ReplicationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _name;
    private ReplicationStep? _last;
    private DateTimeOffset? _noSyncSince;

    public ReplicationService(IReplicationEngine engine, FailoverState claim, FailoverCoordinator coordinator, PeerDirectory directory, ReplicationState state,
        EpochStore epochs, DbSection db, NodeIdentity identity, NodeStatusBoard board, ReadinessState readiness, ReplicationMetrics metrics,
        TimeProvider time, ILogger<ReplicationService> logger)
        : base(time, logger)
    {
        _engine = engine;
        _claim = claim;
        _directory = directory;
        _state = state;
        _epochs = epochs;
        _replication = db.Replication;
        _identity = identity;
        _board = board;
        _readiness = readiness;
        _metrics = metrics;
        _logger = logger;
        _name = coordinator.Name;
        board.SetPort(engine.PortName, engine.Port);
    }

    public override string LoopName => "db replication";

    protected override TimeSpan Interval => _replication.Interval;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override TimeSpan RetryFloor => TimeSpan.FromMilliseconds(500);

    protected override TimeSpan RetryCeiling => _replication.Interval * 5;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _claim.Changed += OnClaimChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _claim.Changed -= OnClaimChanged;
        await base.StopAsync(cancellationToken);
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _state.ServerLock.WaitAsync(cancellationToken);
        try
        {
            var input = await ObserveAsync(cancellationToken);
            var step = ReplicationPlanner.Plan(input);
            if (_last is null || _last.Kind != step.Kind || _last.Detail != step.Detail)
            {
                LogStep(_logger, step.Kind.ToString(), step.Detail);
            }

            _last = step;
            await ApplyAsync(step, input, cancellationToken);
            var after = step.Kind is StepKind.Serve or StepKind.Wait ? input : await ObserveAsync(cancellationToken);
            Publish(step, after);
        }
        finally
        {
            _state.ServerLock.Release();
        }
    }

    /// <summary>What one round decides from. The caller holds the server lock.</summary>
    public async Task<PlanInput> ObserveAsync(CancellationToken cancellationToken)
    {
        var claim = _claim.Current;
        var local = await _engine.InspectAsync(cancellationToken);
        ReplicationStatus? status = null;
        string? problem = null;
        if (local.Running)
        {
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(TimeSpan.FromSeconds(10));
                status = await _engine.ReadStatusAsync(bounded.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                problem = ex.Message.Split('\n')[0].Trim();
            }
        }

        PeerEndpoint? upstream = null;
        string? upstreamProblem = null;
        if (claim.Holder is { } holder && holder != _identity.NodeId)
        {
            try
            {
                (upstream, upstreamProblem) = await _directory.EndpointAsync(holder, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                upstreamProblem = $"the registry cannot be read ({ex.Message})";
            }
        }

        var reseed = local is { Data: LocalData.Replica, Running: false } ? await _engine.NeedsReseedAsync(cancellationToken) : null;
        return new PlanInput
        {
            NodeId = _identity.NodeId,
            Name = _name,
            Mode = _replication.Mode,
            AutoFailover = _replication.AutoFailover,
            Claim = claim,
            Local = local,
            Status = status,
            StatusProblem = problem,
            Upstream = upstream,
            UpstreamProblem = upstreamProblem,
            ReseedReason = reseed,
            Switchover = _state.Switchover,
            PrimaryReady = _state.PrimaryReady,
            Now = Time.GetUtcNow(),
        };
    }

    /// <summary>A failed round: the readiness check says why; the state published is the last one, with the failure as its detail.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn)
    {
        LogRoundFailed(_logger, retryIn.TotalSeconds, exception);
        _readiness.Set(CheckName, false, $"{_last?.Kind.ToString() ?? "starting"} failed: {exception.Message} (retrying in {retryIn.TotalSeconds:0.#} s)");
        if (_state.View is { } view)
        {
            Board(view with { Detail = Truncate($"{_last?.Kind} failed: {exception.Message}") });
        }
    }

    private void OnClaimChanged(FailoverSnapshot snapshot) => Wake();

    [LoggerMessage(EventId = 6470, Level = LogLevel.Information, Message = "Replication: {Step}: {Detail}")]
    private static partial void LogStep(ILogger logger, string step, string detail);

    [LoggerMessage(EventId = 6471, Level = LogLevel.Error, Message = "Replication step failed; retrying in {Seconds:0.0} s")]
    private static partial void LogRoundFailed(ILogger logger, double seconds, Exception exception);
}
