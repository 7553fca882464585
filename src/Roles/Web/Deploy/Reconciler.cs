using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Checkout;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Releases;
using Prometheus;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Level-triggered convergence of one app to its desired release in S3. Every trigger — a message, boot, the safety
/// poll, the re-check after registration — comes here. A desired sequence at or below the applied one is a no-op (the
/// applied sequence is stored durably in the state dir); a sequence that failed for good is not retried until a newer
/// one is published. One reconcile per app at a time in this process, and the app's deploy lock across processes.
/// </summary>
public sealed partial class Reconciler
{
    private readonly AgentConfig _config;
    private readonly WebSection _web;
    private readonly NodeIdentity _identity;
    private readonly DesiredStateStore _desired;
    private readonly DeployStateStore _states;
    private readonly Deployer _deployer;
    private readonly DeploymentStatusStore _statuses;
    private readonly NodeStatusBoard _board;
    private readonly TimeProvider _time;
    private readonly ILogger<Reconciler> _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>Per app, the desired object version last refused (so a refusal is reported once, not every poll).</summary>
    private readonly ConcurrentDictionary<string, string> _refused = new(StringComparer.Ordinal);
    private readonly Counter _deploys;
    private readonly Histogram _duration;

    public Reconciler(
        WebSection web,
        AgentConfig config,
        NodeIdentity identity,
        DesiredStateStore desired,
        DeployStateStore states,
        Deployer deployer,
        DeploymentStatusStore statuses,
        NodeStatusBoard board,
        IMetricFactory metrics,
        TimeProvider time,
        ILogger<Reconciler> logger)
    {
        _config = config;
        _web = web;
        _identity = identity;
        _desired = desired;
        _states = states;
        _deployer = deployer;
        _statuses = statuses;
        _board = board;
        _time = time;
        _logger = logger;
        _deploys = metrics.CreateCounter("nodeagent_deploys_total", "Reconciles that did something, by app and outcome.", ["app", "outcome"]);
        _duration = metrics.CreateHistogram("nodeagent_deploy_duration_seconds", "Duration of deploys that checked out a release.", ["app"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.1, 2, 12) });
    }

    /// <summary>How long a reconcile waits for another process (e.g. <c>nodeagent rollback</c>) to release the lock.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The trigger of boot catch-up: the web server is not running yet.</summary>
    public const string BootTrigger = "boot";

    public IReadOnlyList<AppConfig> Apps => _web.Apps;

    /// <summary>Converges <paramref name="app"/>. <paramref name="hint"/> is the sequence a message named, if any.</summary>
    public async Task<DeployOutcome> ReconcileAsync(AppConfig app, string trigger, long? hint, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(app.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var outcome = await ReconcileLockedAsync(app, trigger, hint, cancellationToken);
            if (outcome.Kind is not (DeployOutcomeKind.UpToDate or DeployOutcomeKind.NothingDesired))
            {
                _deploys.WithLabels(app.Name, outcome.Kind.ToString().ToLowerInvariant()).Inc();
                LogOutcome(_logger, app.Name, trigger, outcome.Kind.ToString(), outcome.Sequence, outcome.Release ?? "-", outcome.Reason ?? "-");
            }

            return outcome;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<DeployOutcome> ReconcileLockedAsync(AppConfig app, string trigger, long? hint, CancellationToken cancellationToken)
    {
        var timeline = new DeployTimeline(_time);
        var state = _states.Load(app.Name);
        if (hint is { } h && h <= state.AppliedSequence)
        {
            return new DeployOutcome(DeployOutcomeKind.UpToDate, h, state.Release);
        }

        if (hint is { } f && f == state.FailedSequence)
        {
            return PreviousFailure(state);
        }

        if (hint is { } far && DesiredSequence.Check(far, state.AppliedSequence) is { } farReason)
        {
            return new DeployOutcome(DeployOutcomeKind.Rejected, Math.Clamp(far, 0, DesiredSequence.Max), Reason: $"the message's {farReason}");
        }

        DesiredRead read;
        try
        {
            read = await _desired.ReadAsync(_identity.Cluster, app.Name, cancellationToken);
            timeline.Mark("desired");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDesiredUnreadable(_logger, app.Name, ex);
            return new DeployOutcome(DeployOutcomeKind.Transient, hint ?? 0, Reason: $"cannot read the desired release: {ex.Message}");
        }

        // A record at or below the applied sequence changes nothing, signed or not: no status is written for it (it
        // would overwrite this node's record of a sequence it did apply).
        if (read.Sequence is { } claimed && claimed <= state.AppliedSequence && (hint is null || hint <= claimed))
        {
            return new DeployOutcome(DeployOutcomeKind.UpToDate, claimed, state.Release);
        }

        var refused = read.Problem
            ?? (read.Desired is null ? null : DesiredStateStore.CheckSignature(read, _identity.Cluster, app.Name, _web.PublishKey))
            ?? (read.Desired is null ? null : DesiredSequence.Check(read.Desired.Sequence, state.AppliedSequence));
        if (refused is not null)
        {
            return await RefuseDesiredAsync(app, read, refused, cancellationToken);
        }

        var desired = read.Desired;
        if (desired is null || (hint is { } ahead && ahead > desired.Sequence))
        {
            return hint is null
                ? new DeployOutcome(DeployOutcomeKind.NothingDesired)
                : new DeployOutcome(DeployOutcomeKind.AheadOfDesired, hint.Value,
                    Reason: $"sequence {hint} is not in the desired state yet (S3 has {desired?.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
        }

        if (desired.Sequence <= state.AppliedSequence)
        {
            return new DeployOutcome(DeployOutcomeKind.UpToDate, desired.Sequence, state.Release);
        }

        if (desired.Sequence == state.FailedSequence)
        {
            return PreviousFailure(state);
        }

        if (desired.Revision is { } revision && RevisionSyntax.Check(app.Repository.Kind, revision) is { } bad)
        {
            var reason = $"revision '{SafeText.Escape(revision)}': {bad}";
            await _statuses.WriteAsync(Terminal(app, desired, DeployStates.Rejected, reason), cancellationToken);
            return Record(app, state, desired, new DeployOutcome(DeployOutcomeKind.Rejected, desired.Sequence, Reason: reason), null);
        }

        var outcome = await DeployUnderLockAsync(app, desired, state, trigger, timeline, cancellationToken);
        outcome = Record(app, state, desired, outcome, _deployer.Layout(app.Name).Current()?.Value);
        timeline.Mark("record");
        if (hint is { } older && older < desired.Sequence && outcome.IsSuccess)
        {
            await _statuses.WriteAsync(new DeploymentStatus
            {
                Cluster = _identity.Cluster,
                App = app.Name,
                Sequence = older,
                NodeId = _identity.NodeId,
                State = DeployStates.Superseded,
                Release = outcome.Release,
                Detail = $"sequence {desired.Sequence} was already desired; deployed that instead",
                StartedAt = _time.GetUtcNow(),
                UpdatedAt = _time.GetUtcNow(),
            }, cancellationToken);
            timeline.Mark("superseded");
        }

        LogTimeline(_logger, app.Name, desired.Sequence, trigger, timeline.TotalMs, timeline.ToString());
        return outcome;
    }

    private async Task<DeployOutcome> DeployUnderLockAsync(
        AppConfig app, DesiredRelease desired, AppDeployState state, string trigger, DeployTimeline timeline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(app.DeployTimeout);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var deployLock = await DeployLock.AcquireAsync(
                _config.Node.StateDir, app.Name, $"nodeagent deploy of sequence {desired.Sequence}", app.DeployTimeout, LockWait, _time, timeout.Token);
            timeline.Mark("lock");
            LogDeploying(_logger, app.Name, desired.Sequence, desired.Revision ?? "(default ref)");
            var outcome = await _deployer.DeployAsync(app, desired, state, serving: trigger != BootTrigger, timeline, timeout.Token);
            if (outcome.Kind == DeployOutcomeKind.Deployed)
            {
                _duration.WithLabels(app.Name).Observe(clock.Elapsed.TotalSeconds);
            }

            return outcome;
        }
        catch (DeployLockHeldException ex)
        {
            return new DeployOutcome(DeployOutcomeKind.Transient, desired.Sequence, Reason: ex.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var reason = $"deploy did not finish within deploy_timeout ({DurationParser.Format(app.DeployTimeout)})";
            await _statuses.WriteAsync(Terminal(app, desired, DeployStates.Failed, reason), cancellationToken);
            return new DeployOutcome(DeployOutcomeKind.Failed, desired.Sequence, Reason: reason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeployError(_logger, app.Name, desired.Sequence, ex);
            await _statuses.WriteAsync(Terminal(app, desired, DeployStates.Deploying, $"will retry: {ex.Message}"), cancellationToken);
            return new DeployOutcome(DeployOutcomeKind.Transient, desired.Sequence, Reason: ex.Message);
        }
    }

    /// <summary>
    /// A desired record this node will not apply (unsigned, wrongly signed, malformed, out of bounds): the release
    /// stays, the applied sequence stays, nothing is remembered as failed (a forged record must not block the sequence
    /// number a real publish will use), and — once per version of the object — the refusal is logged and written as a
    /// <c>rejected</c> status record under the sequence the record claims, so <c>deploy --wait</c> shows why.
    /// </summary>
    private async Task<DeployOutcome> RefuseDesiredAsync(AppConfig app, DesiredRead read, string reason, CancellationToken cancellationToken)
    {
        var sequence = read.Sequence is { } s && s is >= 1 and <= DesiredSequence.Max ? s : 0;
        var version = $"{read.ETag}|{reason}";
        if (_refused.TryGetValue(app.Name, out var last) && last == version)
        {
            return new DeployOutcome(DeployOutcomeKind.Rejected, sequence, Reason: $"desired state refused: {reason}");
        }

        LogDesiredRefused(_logger, app.Name, sequence, reason);
        if (sequence > 0)
        {
            await _statuses.WriteAsync(new DeploymentStatus
            {
                Cluster = _identity.Cluster,
                App = app.Name,
                Sequence = sequence,
                NodeId = _identity.NodeId,
                State = DeployStates.Rejected,
                Release = _deployer.Layout(app.Name).Current()?.Value,
                Detail = $"desired state refused: {reason}; this node keeps its release",
                StartedAt = _time.GetUtcNow(),
                UpdatedAt = _time.GetUtcNow(),
            }, cancellationToken);
        }

        _refused[app.Name] = version;
        return new DeployOutcome(DeployOutcomeKind.Rejected, sequence, Reason: $"desired state refused: {reason}");
    }

    /// <summary>Persists the outcome in the app's state (the durable dedupe), trims old releases, updates the board.</summary>
    private DeployOutcome Record(AppConfig app, AppDeployState state, DesiredRelease desired, DeployOutcome outcome, string? current)
    {
        AppDeployState next;
        switch (outcome.Kind)
        {
            case DeployOutcomeKind.Deployed or DeployOutcomeKind.Unchanged:
                next = state with
                {
                    AppliedSequence = desired.Sequence,
                    Revision = desired.Revision,
                    Commit = outcome.Commit,
                    Release = outcome.Release,
                    PreviousRelease = outcome.Kind == DeployOutcomeKind.Deployed && state.Release != outcome.Release ? state.Release : state.PreviousRelease,
                    DeployedAt = _time.GetUtcNow(),
                    FailedSequence = 0,
                    FailedReason = null,
                    FailedRejected = false,
                    RolledBackByHand = false,
                };
                break;
            case DeployOutcomeKind.Rejected or DeployOutcomeKind.Failed or DeployOutcomeKind.RolledBack:
                next = state with
                {
                    FailedSequence = desired.Sequence,
                    FailedReason = outcome.Reason,
                    FailedRejected = outcome.Kind == DeployOutcomeKind.Rejected,
                    Release = current ?? state.Release,
                };
                break;
            default:
                return outcome;
        }

        _states.Save(app.Name, next);
        if (outcome.Kind == DeployOutcomeKind.Deployed)
        {
            var layout = _deployer.Layout(app.Name);
            foreach (var removed in ReleaseRetention.Apply(layout, _web.KeepReleases, next.PreviousRelease))
            {
                LogRetired(_logger, app.Name, removed.Value);
            }
        }

        PublishToBoard(app);
        return outcome;
    }

    /// <summary>Puts the app and its current release on the status board (and so in the registry).</summary>
    public void PublishToBoard(AppConfig app)
    {
        var state = _states.Load(app.Name);
        var current = _deployer.Layout(app.Name).Current();
        _board.SetApp(app.Name, new AppStatus
        {
            Release = current?.Value,
            Revision = current is not null && current.Value == state.Release ? state.Commit : current?.Revision,
            Sequence = state.AppliedSequence,
        });
    }

    /// <summary>Removes what a crash left behind for every app: half-made releases, temp links, scratch files.</summary>
    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        foreach (var app in Apps)
        {
            using var deployLock = await DeployLock.AcquireAsync(
                _config.Node.StateDir, app.Name, "nodeagent cleanup at start", TimeSpan.FromMinutes(1), LockWait, _time, cancellationToken);
            foreach (var path in ReleaseCleanup.Run(_deployer.Layout(app.Name)))
            {
                LogCleaned(_logger, app.Name, path);
            }
        }

        var scratch = SourceCheckouts.ScratchDir(_config.Node.StateDir);
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static DeployOutcome PreviousFailure(AppDeployState state)
        => new(state.FailedRejected ? DeployOutcomeKind.Rejected : DeployOutcomeKind.Failed, state.FailedSequence,
            Reason: $"sequence {state.FailedSequence} already failed on this node: {state.FailedReason}");

    private DeploymentStatus Terminal(AppConfig app, DesiredRelease desired, string state, string detail) => new()
    {
        Cluster = _identity.Cluster,
        App = app.Name,
        Sequence = desired.Sequence,
        NodeId = _identity.NodeId,
        State = state,
        Revision = desired.Revision,
        Detail = detail,
        StartedAt = _time.GetUtcNow(),
        UpdatedAt = _time.GetUtcNow(),
    };

    [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "App {App}: deploying sequence {Sequence} ({Revision})")]
    private static partial void LogDeploying(ILogger logger, string app, long sequence, string revision);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Information, Message = "App {App} ({Trigger}): {Outcome} sequence {Sequence}, release {Release}; {Reason}")]
    private static partial void LogOutcome(ILogger logger, string app, string trigger, string outcome, long sequence, string release, string reason);

    [LoggerMessage(EventId = 3052, Level = LogLevel.Error, Message = "App {App}: deploy of sequence {Sequence} failed; it will be retried")]
    private static partial void LogDeployError(ILogger logger, string app, long sequence, Exception exception);

    [LoggerMessage(EventId = 3053, Level = LogLevel.Warning, Message = "App {App}: cannot read the desired release")]
    private static partial void LogDesiredUnreadable(ILogger logger, string app, Exception exception);

    [LoggerMessage(EventId = 3054, Level = LogLevel.Information, Message = "App {App}: removed old release {Release}")]
    private static partial void LogRetired(ILogger logger, string app, string release);

    [LoggerMessage(EventId = 3056, Level = LogLevel.Information, Message = "App {App} sequence {Sequence} ({Trigger}): reconciled in {TotalMs:0} ms: {Timeline}")]
    private static partial void LogTimeline(ILogger logger, string app, long sequence, string trigger, double totalMs, string timeline);

    [LoggerMessage(EventId = 3057, Level = LogLevel.Error, Message = "App {App}: refused the desired state (sequence {Sequence}): {Reason}; keeping the current release")]
    private static partial void LogDesiredRefused(ILogger logger, string app, long sequence, string reason);

    [LoggerMessage(EventId = 3055, Level = LogLevel.Information, Message = "App {App}: removed crash leftover {Path}")]
    private static partial void LogCleaned(ILogger logger, string app, string path);
}
