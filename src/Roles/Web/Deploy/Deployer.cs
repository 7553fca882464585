using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Checkout;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Deploys one desired release of one app on this node: resolve the revision, check free space, check out beside the
/// live release (under a partial marker; a delta from the current release when that is sound), link shared paths, run
/// <c>build</c>, record the release's source, mark complete, switch <c>current</c> atomically, run <c>after_swap</c>
/// and <c>validate</c> — switching straight back if either fails. Progress goes to the status record. The caller
/// holds the app's deploy lock and records the outcome.
/// </summary>
public sealed partial class Deployer(
    WebSection web,
    AgentConfig config,
    NodeIdentity identity,
    SourceCheckouts checkouts,
    HookRunner hooks,
    DeploymentStatusStore statuses,
    TimeProvider time,
    ILogger<Deployer> logger)
{
    private readonly WebSection _web = web;

    public ReleaseLayout Layout(string app) => new(_web.Root, app);

    /// <param name="serving">False during boot catch-up, before the web server runs: after_swap and validate are about a
    /// running server, so they are skipped and the server then starts on the new release.</param>
    public async Task<DeployOutcome> DeployAsync(
        AppConfig app, DesiredRelease desired, AppDeployState state, bool serving, DeployTimeline timeline, CancellationToken cancellationToken)
    {
        var layout = Layout(app.Name);
        var status = new DeploymentStatus
        {
            Cluster = identity.Cluster,
            App = app.Name,
            Sequence = desired.Sequence,
            NodeId = identity.NodeId,
            State = DeployStates.Deploying,
            Stage = "checkout",
            Revision = desired.Revision,
            StartedAt = time.GetUtcNow(),
            UpdatedAt = time.GetUtcNow(),
        };
        // The first status record goes out while the revision resolves (a fetch): it is awaited before any later one.
        var firstStatus = statuses.WriteAsync(status, cancellationToken);
        var checkout = checkouts.For(app, config.Node.StateDir);
        ResolvedRevision resolved;
        try
        {
            resolved = await checkout.ResolveAsync(desired.Revision, cancellationToken);
            timeline.Mark("resolve");
        }
        catch (RevisionNotFoundException ex)
        {
            await firstStatus;
            await statuses.WriteAsync(status with { State = DeployStates.Rejected, Detail = ex.Message, UpdatedAt = time.GetUtcNow() }, cancellationToken);
            return new DeployOutcome(DeployOutcomeKind.Rejected, desired.Sequence, Reason: ex.Message);
        }
        finally
        {
            await firstStatus;
            timeline.Mark("status");
        }

        status = status with { Commit = resolved.Id };
        var current = layout.Current();
        if (current is not null && current.Revision == resolved.Short)
        {
            LogUnchanged(logger, app.Name, desired.Sequence, current.Value);
            await statuses.WriteAsync(status with { State = DeployStates.Succeeded, Stage = null, Release = current.Value, Detail = "already current", UpdatedAt = time.GetUtcNow() }, cancellationToken);
            return new DeployOutcome(DeployOutcomeKind.Unchanged, desired.Sequence, current.Value, Commit: resolved.Id);
        }

        var free = FreeSpace.Available(_web.Root);
        if (free < _web.MinFreeBytes)
        {
            var reason = $"only {free / (1024 * 1024)} MiB free under {_web.Root}; web.min_free_space is {_web.MinFreeBytes / (1024 * 1024)} MiB";
            await statuses.WriteAsync(status with { Detail = reason, UpdatedAt = time.GetUtcNow() }, cancellationToken);
            return new DeployOutcome(DeployOutcomeKind.Transient, desired.Sequence, Reason: reason);
        }

        var id = NewId(layout, desired.Sequence, resolved.Short);
        status = status with { Release = id.Value };
        var dir = layout.Begin(id);
        timeline.Mark("begin");
        var environment = Environment(app.Name, layout, id, resolved, desired.Sequence, current);
        try
        {
            var (releaseBase, noBase) = ReleaseBases.Choose(layout, app);
            var export = await checkout.ExportAsync(resolved, dir, new ExportOptions(app.Shared, releaseBase), cancellationToken);
            var linkedDirectories = SharedLinks.Apply(layout, dir, app.Shared);
            LogBuilt(logger, app.Name, id.Value, export.Mode == ReleaseBuildMode.Delta ? "as a delta of " + releaseBase!.Id : "in full",
                export.Written, export.Linked, export.FallbackReason ?? noBase ?? "-");
            timeline.Mark("checkout");
            if (app.BuildHook is { } build)
            {
                status = status with { Stage = "build", UpdatedAt = time.GetUtcNow() };
                await statuses.WriteAsync(status, cancellationToken);
                var built = await hooks.RunAsync(app.Name, "build", build, dir, environment, cancellationToken);
                if (!built.Succeeded)
                {
                    layout.Delete(id);
                    await statuses.WriteAsync(status with { State = DeployStates.Failed, Detail = built.Failure, Output = built.Output, UpdatedAt = time.GetUtcNow() }, cancellationToken);
                    return new DeployOutcome(DeployOutcomeKind.Failed, desired.Sequence, Reason: built.Failure);
                }

                status = status with { Output = built.Output };
                ReleaseFiles.MakeReadOnly(dir);
                timeline.Mark("build");
            }

            new ReleaseSource
            {
                Repository = ReleaseSource.RepositoryId(app.Repository),
                Revision = resolved.Id,
                Mode = export.Mode == ReleaseBuildMode.Delta ? "delta" : "full",
                Filtered = export.Filtered,
                Built = app.BuildHook is not null,
            }.Write(layout, id.Value);
            layout.Complete(id, export, cancellationToken, linkedDirectories);
            timeline.Mark("sync");
        }
        catch
        {
            TryDelete(layout, id);
            throw;
        }

        layout.Switch(id);
        var swappedAt = time.GetUtcNow();
        timeline.Mark("switch");
        LogSwitched(logger, app.Name, id.Value, desired.Sequence, current?.Value ?? "none");
        status = status with { Stage = "validate", SwappedAt = swappedAt, UpdatedAt = swappedAt };
        await statuses.WriteAsync(status, cancellationToken);
        timeline.Mark("status");

        var failure = serving ? await AfterSwitchAsync(app, dir, environment, cancellationToken) : null;
        timeline.Mark("hooks");
        if (failure is not null)
        {
            return await SwitchBackAsync(app, layout, id, current, state, status, failure, cancellationToken);
        }

        var detail = serving ? null : "boot catch-up: after_swap and validate skipped (the web server starts next)";
        await statuses.WriteAsync(status with { State = DeployStates.Succeeded, Stage = null, Detail = detail, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        timeline.Mark("status");
        return new DeployOutcome(DeployOutcomeKind.Deployed, desired.Sequence, id.Value, Commit: resolved.Id);
    }

    /// <summary>Runs after_swap then validate; returns the failed hook's result, or null when both passed.</summary>
    private async Task<HookResult?> AfterSwitchAsync(AppConfig app, string dir, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (app.AfterSwapHook is { } afterSwap)
        {
            var result = await hooks.RunAsync(app.Name, "after_swap", afterSwap, dir, environment, cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }
        }

        if (app.ValidateHook is { } validate)
        {
            var result = await hooks.RunAsync(app.Name, "validate", validate, dir, environment, cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }
        }

        return null;
    }

    private async Task<DeployOutcome> SwitchBackAsync(
        AppConfig app, ReleaseLayout layout, ReleaseId failed, ReleaseId? previous, AppDeployState state, DeploymentStatus status,
        HookResult failure, CancellationToken cancellationToken)
    {
        if (previous is null)
        {
            var reason = $"{failure.Failure}; there is no previous release to go back to, so {failed} stays current";
            await statuses.WriteAsync(status with { State = DeployStates.Failed, Detail = reason, Output = failure.Output, UpdatedAt = time.GetUtcNow() }, cancellationToken);
            return new DeployOutcome(DeployOutcomeKind.Failed, status.Sequence, failed.Value, reason);
        }

        layout.Switch(previous);
        LogSwitchedBack(logger, app.Name, previous.Value, failed.Value, failure.Failure ?? "hook failed");
        if (app.AfterSwapHook is { } afterSwap)
        {
            var env = Environment(app.Name, layout, previous, new ResolvedRevision(previous.Revision, state.Commit ?? previous.Revision, previous.Revision), previous.Sequence, failed);
            await hooks.RunAsync(app.Name, "after_swap", afterSwap, layout.ReleaseDir(previous.Value), env, cancellationToken);
        }

        TryDelete(layout, failed);
        var detail = $"{failure.Failure}; switched back to {previous}";
        await statuses.WriteAsync(status with { State = DeployStates.RolledBack, Stage = null, Release = previous.Value, Detail = detail, Output = failure.Output, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        return new DeployOutcome(DeployOutcomeKind.RolledBack, status.Sequence, previous.Value, detail);
    }

    private ReleaseId NewId(ReleaseLayout layout, long sequence, string revision)
    {
        var now = time.GetUtcNow();
        while (true)
        {
            var id = ReleaseId.Create(now, sequence, revision);
            if (!Directory.Exists(layout.ReleaseDir(id.Value)) && !File.Exists(layout.PartialMarker(id.Value)))
            {
                return id;
            }

            now = now.AddMilliseconds(1);
        }
    }

    private static Dictionary<string, string> Environment(
        string app, ReleaseLayout layout, ReleaseId id, ResolvedRevision revision, long sequence, ReleaseId? previous)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["NODEAGENT_APP"] = app,
            ["NODEAGENT_RELEASE"] = id.Value,
            ["NODEAGENT_RELEASE_DIR"] = layout.ReleaseDir(id.Value),
            ["NODEAGENT_CURRENT"] = layout.CurrentLink,
            ["NODEAGENT_SHARED_DIR"] = layout.SharedDir,
            ["NODEAGENT_REVISION"] = revision.Id,
            ["NODEAGENT_SEQUENCE"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (previous is not null)
        {
            env["NODEAGENT_PREVIOUS_RELEASE_DIR"] = layout.ReleaseDir(previous.Value);
        }

        return env;
    }

    private void TryDelete(ReleaseLayout layout, ReleaseId id)
    {
        try
        {
            layout.Delete(id);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(logger, layout.App, id.Value, ex);
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "App {App}: switched current to {Release} (sequence {Sequence}, was {Previous})")]
    private static partial void LogSwitched(ILogger logger, string app, string release, long sequence, string previous);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "App {App}: sequence {Sequence} is already current as {Release}")]
    private static partial void LogUnchanged(ILogger logger, string app, long sequence, string release);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "App {App}: switched back to {Previous} from {Failed}: {Reason}")]
    private static partial void LogSwitchedBack(ILogger logger, string app, string previous, string failed, string reason);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "App {App}: could not remove release {Release}; cleanup retries at the next start")]
    private static partial void LogDeleteFailed(ILogger logger, string app, string release, Exception exception);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "App {App}: release {Release} built {How}: {Written} files written, {Linked} linked (full because: {WhyFull})")]
    private static partial void LogBuilt(ILogger logger, string app, string release, string how, int written, int linked, string whyFull);
}
