using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Security;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// The publisher side of a deploy (<c>nodeagent deploy</c>): claims the next cluster-wide sequence, writes the app's
/// desired release to S3, then sends a <c>deploy</c> nudge to the queue of every live node that serves the app.
/// S3 stays the truth: a node that misses its message catches up at its next safety poll or boot. The desired record
/// is signed with the publish key (<see cref="PublishSigningKey"/>); nodes refuse what it does not sign.
/// </summary>
/// <remarks>
/// Sequence allocation: the next number after max(hint, current desired) is claimed by creating
/// <c>deployments/&lt;seq&gt;.json</c> with If-None-Match; the desired record is replaced with If-Match on the ETag
/// read. Both are read back and checked for this publish's nonce, which catches most races on stores that ignore
/// conditional writes (fauxqs); docs/deploys.md describes the window that remains there. Sequences are bounded
/// (<see cref="DesiredSequence"/>): the publisher refuses to go past the maximum or to jump more than the allowed step,
/// and <see cref="ResetAsync"/> is the operator's way out when a record pushed the sequence out of bounds.
/// </remarks>
public sealed partial class DeployPublisher(
    IObjectStore store,
    INodeRegistry registry,
    MessagePublisher messages,
    PublishSigningKey signer,
    TimeProvider time,
    ILogger<DeployPublisher> logger)
{
    private const int MaxAttempts = 20;
    private readonly DesiredStateStore _desired = new(store);

    public Task<PublishResult> PublishAsync(string cluster, string app, string? revision, string publishedBy, CancellationToken cancellationToken)
        => PublishAsync(cluster, app, revision, publishedBy, null, cancellationToken);

    /// <summary>
    /// Publishes with a rollout strategy (null or all at once: every node at once). For rolling and canary the batches
    /// are planned from the nodes live in the registry now and signed with the desired state; the lb nodes are nudged
    /// (<c>rollout</c>) instead of the web nodes, and the active lb releases the batches (docs/deploys.md#rollouts).
    /// </summary>
    public async Task<PublishResult> PublishAsync(
        string cluster, string app, string? revision, string publishedBy, Rollout.RolloutSettings? rollout, CancellationToken cancellationToken)
    {
        var current = await _desired.ReadAsync(cluster, app, cancellationToken);
        if (current.Problem is not null && current.Sequence is not (>= 0 and <= DesiredSequence.Max))
        {
            throw new PublishRefusedException(
                $"the desired state of app '{app}' cannot be continued: {current.Problem}. If it was tampered with, run 'nodeagent deploy --app {app} --reset-sequence' (docs/deploys.md)");
        }

        var floor = current.Sequence ?? 0;
        var hint = await ReadHintAsync(cluster, cancellationToken);
        if (hint > DesiredSequence.Max)
        {
            LogHintOutOfBounds(logger, DeployKeys.SequenceHint(cluster), hint);
            hint = 0;
        }

        var start = Math.Max(floor, hint) + 1;
        if (start > DesiredSequence.Max)
        {
            throw new PublishRefusedException(
                $"the next sequence of cluster '{cluster}' would pass the maximum {DesiredSequence.Max}; run 'nodeagent deploy --app {app} --reset-sequence' (docs/deploys.md)");
        }

        if (floor > 0 && start - floor > DesiredSequence.MaxStep)
        {
            throw new PublishRefusedException(
                $"the sequence hint {DeployKeys.SequenceHint(cluster)} says {hint}, more than {DesiredSequence.MaxStep:N0} past app '{app}''s desired sequence {floor}: nodes would refuse it. If the hint was tampered with, run 'nodeagent deploy --app {app} --reset-sequence'");
        }

        var previous = current.Desired is { } d ? new Rollout.PreviousRelease { Sequence = d.Sequence, Revision = d.Revision } : null;
        var plan = await PlanAsync(cluster, app, rollout, previous, cancellationToken);
        return await PublishFromAsync(cluster, app, revision, publishedBy, start, reset: false, cancellationToken, plan);
    }

    /// <summary>The signed rollout plan for the nodes live now; null for all at once (also for an app's very first
    /// publish: there is no release to roll from).</summary>
    private async Task<Rollout.RolloutPlan?> PlanAsync(
        string cluster, string app, Rollout.RolloutSettings? rollout, Rollout.PreviousRelease? previous, CancellationToken cancellationToken)
    {
        if (rollout is null || rollout.Strategy == Rollout.RolloutStrategy.AllAtOnce)
        {
            return null;
        }

        if (previous is null)
        {
            LogFirstPublish(logger, app);
            return null;
        }

        var listing = await registry.ListAsync(cluster, Web.WebRole.RoleName, cancellationToken);
        var nodes = listing.Live.Where(e => e.Record.Apps.ContainsKey(app)).Select(e => e.Record.NodeId).ToList();
        var (plan, error) = Rollout.BatchPlanner.Build(rollout, nodes, previous);
        return error is null ? plan : throw new PublishRefusedException($"the {rollout.Strategy.ToString().ToLowerInvariant()} rollout of app '{app}' cannot be planned: {error}");
    }

    /// <summary>
    /// <c>nodeagent deploy --reset-sequence</c>: publishes the app again from a sequence worked out from what the
    /// cluster really applied — the sequences the app's nodes report in the registry and the publish claims near
    /// them — ignoring the desired record and the hint, which may have been pushed out of bounds. The desired record
    /// is replaced whatever sequence it held, and the hint is rewritten.
    /// </summary>
    public async Task<PublishResult> ResetAsync(string cluster, string app, string? revision, string publishedBy, CancellationToken cancellationToken)
    {
        var listing = await registry.ListAsync(cluster, Web.WebRole.RoleName, cancellationToken);
        var applied = listing.Entries
            .Select(e => e.Record.Apps.GetValueOrDefault(app)?.Sequence ?? 0)
            .Where(s => s is > 0 and <= DesiredSequence.Max)
            .DefaultIfEmpty(0)
            .Max();
        var claims = (await store.ListAsync(DeployKeys.Deployments(cluster), "/", cancellationToken)).Objects
            .Select(o => DeployKeys.SequenceOfClaim(cluster, o.Key))
            .Where(s => s is > 0 and <= DesiredSequence.Max && s - applied <= DesiredSequence.MaxStep)
            .Select(s => s!.Value)
            .DefaultIfEmpty(0)
            .Max();
        var start = Math.Max(applied, claims) + 1;
        LogReset(logger, app, start, applied, claims);
        return await PublishFromAsync(cluster, app, revision, publishedBy, start, reset: true, cancellationToken);
    }

    private async Task<PublishResult> PublishFromAsync(
        string cluster, string app, string? revision, string publishedBy, long start, bool reset, CancellationToken cancellationToken, Rollout.RolloutPlan? plan = null)
    {
        var nonce = Guid.NewGuid().ToString("N");
        var publishedAt = time.GetUtcNow();
        var record = await ClaimSequenceAsync(cluster, app, revision, publishedBy, nonce, publishedAt, start, cancellationToken);
        var desired = new DesiredRelease
        {
            Cluster = cluster,
            App = app,
            Sequence = record.Sequence,
            Revision = revision,
            PublishedAt = publishedAt,
            PublishedBy = publishedBy,
            Nonce = nonce,
            Rollout = plan,
        };
        await WriteDesiredAsync(desired, reset, cancellationToken);
        LogDesiredWritten(logger, app, desired.Sequence, revision ?? "(default ref)");

        var (targets, unreached) = plan is null
            ? await FanOutAsync(cluster, new DeployMessage(app, revision, desired.Sequence), cancellationToken)
            : (plan.Nodes.ToList(), await NudgeAdvancersAsync(cluster, new Rollout.RolloutMessage(app, desired.Sequence), cancellationToken));
        await store.PutAsync(
            DeployKeys.Deployment(cluster, record.Sequence),
            DeployJson.Serialize(record with { Targets = targets, Unreached = unreached, FannedOutAt = time.GetUtcNow() }),
            new PutOptions { ContentType = "application/json" },
            cancellationToken);
        return new PublishResult(desired.Sequence, desired, targets, unreached);
    }

    private async Task<DeploymentRecord> ClaimSequenceAsync(
        string cluster, string app, string? revision, string publishedBy, string nonce, DateTimeOffset now, long start, CancellationToken cancellationToken)
    {
        var candidate = start;
        for (var attempt = 0; attempt < MaxAttempts * 5; attempt++, candidate++)
        {
            if (candidate > DesiredSequence.Max)
            {
                throw new PublishRefusedException($"the next sequence of cluster '{cluster}' would pass the maximum {DesiredSequence.Max}");
            }

            var key = DeployKeys.Deployment(cluster, candidate);
            if (await store.HeadAsync(key, cancellationToken) is not null)
            {
                continue;
            }

            var record = new DeploymentRecord
            {
                Cluster = cluster,
                App = app,
                Sequence = candidate,
                Revision = revision,
                PublishedAt = now,
                PublishedBy = publishedBy,
                Nonce = nonce,
            };
            try
            {
                await store.PutAsync(key, DeployJson.Serialize(record), new PutOptions { ContentType = "application/json", IfNoneMatch = true }, cancellationToken);
            }
            catch (PreconditionFailedException)
            {
                continue;
            }

            var back = await store.GetAsync(key, DeployJson.MaxBytes, cancellationToken);
            if (back is null || DeployJson.Parse<DeploymentRecord>(back.Content).Value?.Nonce != nonce)
            {
                LogClaimLost(logger, candidate);
                continue;
            }

            await store.PutAsync(
                DeployKeys.SequenceHint(cluster),
                JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, long> { ["sequence"] = candidate }, DeployJson.TypeInfo<Dictionary<string, long>>()),
                new PutOptions { ContentType = "application/json" },
                cancellationToken);
            return record;
        }

        throw new InvalidOperationException($"could not claim a deploy sequence for cluster '{cluster}' after {MaxAttempts * 5} attempts");
    }

    private async Task<long> ReadHintAsync(string cluster, CancellationToken cancellationToken)
    {
        try
        {
            var hint = await store.GetAsync(DeployKeys.SequenceHint(cluster), 1024, cancellationToken);
            if (hint is null)
            {
                return 0;
            }

            using var doc = JsonDocument.Parse(hint.Content, new JsonDocumentOptions { MaxDepth = 4 });
            var sequence = doc.RootElement.GetProperty("sequence").GetInt64();
            return sequence >= 0 ? sequence : throw new FormatException("negative sequence");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ObjectTooLargeException)
        {
            LogHintUnreadable(logger, DeployKeys.SequenceHint(cluster));
            return 0;
        }
    }

    private async Task WriteDesiredAsync(DesiredRelease desired, bool reset, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await _desired.ReadAsync(desired.Cluster, desired.App, cancellationToken);
            if (!reset && current.Sequence is { } sequence && sequence >= desired.Sequence)
            {
                throw new PublishSupersededException(desired.App, desired.Sequence, sequence);
            }

            try
            {
                await _desired.WriteAsync(desired, current.Exists ? current.ETag : null, !current.Exists, signer, cancellationToken);
            }
            catch (PreconditionFailedException)
            {
                continue;
            }

            var back = await _desired.ReadAsync(desired.Cluster, desired.App, cancellationToken);
            if (back.Desired?.Nonce == desired.Nonce)
            {
                return;
            }

            if (back.Sequence is { } backSequence && backSequence > desired.Sequence && backSequence <= DesiredSequence.Max)
            {
                throw new PublishSupersededException(desired.App, desired.Sequence, backSequence);
            }
        }

        throw new InvalidOperationException($"could not write the desired release of app '{desired.App}' after {MaxAttempts} attempts");
    }

    /// <summary>Sends the nudge to every live node serving the app; returns the node ids reached and those that were not.</summary>
    private async Task<(IReadOnlyList<string> Targets, IReadOnlyList<string> Unreached)> FanOutAsync(
        string cluster, DeployMessage message, CancellationToken cancellationToken)
    {
        var listing = await registry.ListAsync(cluster, Web.WebRole.RoleName, cancellationToken);
        var nodes = listing.Live
            .Where(e => e.Record.Apps.ContainsKey(message.App) && e.Record.QueueUrl is not null)
            .Select(e => e.Record)
            .ToList();
        var body = message.ToJson();
        var reached = new System.Collections.Concurrent.ConcurrentBag<string>();
        var unreached = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (node, ct) =>
        {
            try
            {
                await messages.SendAsync(new Uri(node.QueueUrl!), DeployMessage.Type, body, ct);
                reached.Add(node.NodeId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSendFailed(logger, node.NodeId, message.App, message.Sequence, ex);
                unreached.Add(node.NodeId);
            }
        });
        LogFannedOut(logger, message.App, message.Sequence, reached.Count, unreached.Count);
        return (reached.Order(StringComparer.Ordinal).ToList(), unreached.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// A rollout is advanced by the active lb, which reads S3 every few seconds anyway: the nudge only makes it start at
    /// once. Every live lb node is told (the standby ignores it). Returns the lb nodes that could not be reached.
    /// </summary>
    public async Task<IReadOnlyList<string>> NudgeAdvancersAsync(string cluster, Rollout.RolloutMessage message, CancellationToken cancellationToken)
    {
        var listing = await registry.ListAsync(cluster, Lb.LbRole.RoleName, cancellationToken);
        var unreached = new List<string>();
        foreach (var lb in listing.Live.Select(e => e.Record).Where(r => r.QueueUrl is not null))
        {
            try
            {
                await messages.SendAsync(new Uri(lb.QueueUrl!), Rollout.RolloutMessage.Type, message.ToJson(), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSendFailed(logger, lb.NodeId, message.App, message.Sequence, ex);
                unreached.Add(lb.NodeId);
            }
        }

        return unreached;
    }

    public static string DefaultPublisher() => string.Create(CultureInfo.InvariantCulture, $"{Environment.UserName}@{Environment.MachineName}");

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "App {App}: desired release is now sequence {Sequence} ({Revision})")]
    private static partial void LogDesiredWritten(ILogger logger, string app, long sequence, string revision);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "App {App} sequence {Sequence}: nudged {Reached} nodes ({Unreached} unreachable)")]
    private static partial void LogFannedOut(ILogger logger, string app, long sequence, int reached, int unreached);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Could not send the deploy of app {App} sequence {Sequence} to node {NodeId}; it catches up at its next poll")]
    private static partial void LogSendFailed(ILogger logger, string nodeId, string app, long sequence, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Sequence {Sequence} was claimed by another publisher at the same moment; trying the next")]
    private static partial void LogClaimLost(ILogger logger, long sequence);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Sequence hint {Key} says {Hint}, past the maximum; ignored")]
    private static partial void LogHintOutOfBounds(ILogger logger, string key, long hint);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "App {App}: resetting the deploy sequence to {Sequence} (highest applied by a node {Applied}, highest claim near it {Claims})")]
    private static partial void LogReset(ILogger logger, string app, long sequence, long applied, long claims);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "App {App}: first publish, nothing to roll from; every node deploys at once")]
    private static partial void LogFirstPublish(ILogger logger, string app);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Sequence hint {Key} is unreadable; counting from the desired state")]
    private static partial void LogHintUnreadable(ILogger logger, string key);
}
