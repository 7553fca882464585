using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Messaging;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Releases;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>Deploys end to end in-process: real fauxqs S3/SQS, real git repos, real hooks and file system.</summary>
public sealed class DeployTests
{
    internal static string GitApp(string repo, string extra = "") => $$"""
          apps:
            - name: shop
              repository: {type: git, url: "{{repo}}"}
        {{extra}}
        """;

    internal static async Task<(DeployNode Node, GitRepo Repo, TempDir Dir)> NodeAsync(string cluster, string appExtra = "", string web = "", string queue = "{wait_time: 1s}")
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("dep");
        var dir = new TempDir();
        var repo = GitRepo.Create(dir.Combine("repo"));
        var node = await DeployNode.CreateAsync(stack, bucket, dir, $"{cluster}-{Guid.NewGuid().ToString("N")[..6]}", "web-1", GitApp(repo.Path, appExtra) + web, queue);
        return (node, repo, dir);
    }

    internal static MessageEnvelope Envelope(string body) => new() { Type = DeployMessage.Type, SentAt = DateTimeOffset.UtcNow, Body = body };

    internal static QueueMessage Raw(string body = "{}") => new() { MessageId = Guid.NewGuid().ToString(), ReceiptHandle = "r", Body = body };

    [Fact]
    public async Task Deploy_OnMessage_ChecksOutTheCommitAndSwitchesCurrent()
    {
        var (node, repo, dir) = await NodeAsync("dep1");
        using var _ = dir;
        await using var __ = node;
        var commit = repo.Commit(new Dictionary<string, string?> { ["index.html"] = "v1", ["lib/app.txt"] = "code" });
        await node.StartAsync();

        var published = await node.PublishAsync("main");
        var outcome = await node.Handler.HandleAsync(Envelope(new DeployMessage("shop", "main", published.Sequence).ToJson()), Raw(), CancellationToken.None);

        Assert.Equal(MessageDisposition.Completed, outcome.Disposition);
        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Equal("code", node.ReadCurrent("lib/app.txt"));
        var current = node.Layout().Current()!;
        Assert.Equal(commit[..12], current.Revision);
        Assert.Equal(published.Sequence, current.Sequence);
        Assert.False(Directory.Exists(Path.Combine(node.Layout().CurrentLink, ".git")));
        Assert.Equal(published.Sequence, node.State().AppliedSequence);
        Assert.Equal(commit, node.State().Commit);
        var status = Assert.Single(await node.Services.GetRequiredService<DeploymentStatusStore>().ListAsync(node.Identity.Cluster, published.Sequence, CancellationToken.None));
        Assert.Equal(DeployStates.Succeeded, status.State);
        Assert.NotNull(status.SwappedAt);
        Assert.Equal(["web-1"], published.Targets);
    }

    [Fact]
    public async Task Redeploy_OfTheSameSequence_IsANoOp_AndAnOlderSequenceIsIgnored()
    {
        var (node, repo, dir) = await NodeAsync("dep2");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        await node.StartAsync();
        var first = await node.PublishAsync("main");
        await node.Handler.HandleAsync(Envelope(new DeployMessage("shop", "main", first.Sequence).ToJson()), Raw(), CancellationToken.None);
        repo.Commit("index.html", "v2");
        var second = await node.PublishAsync("main");
        await node.Handler.HandleAsync(Envelope(new DeployMessage("shop", "main", second.Sequence).ToJson()), Raw(), CancellationToken.None);
        var releasesBefore = node.Layout().List();

        var same = await node.Handler.HandleAsync(Envelope(new DeployMessage("shop", "main", second.Sequence).ToJson()), Raw(), CancellationToken.None);
        var older = await node.Handler.HandleAsync(Envelope(new DeployMessage("shop", "main", first.Sequence).ToJson()), Raw(), CancellationToken.None);

        Assert.True(second.Sequence > first.Sequence);
        Assert.Equal(MessageDisposition.Completed, same.Disposition);
        Assert.Equal(MessageDisposition.Completed, older.Disposition);
        Assert.Equal(releasesBefore, node.Layout().List());
        Assert.Equal("v2", node.ReadCurrent("index.html"));
        Assert.Equal(second.Sequence, node.State().AppliedSequence);
    }

    [Fact]
    public async Task Dedupe_SurvivesARestart_OfTheNode()
    {
        var (node, repo, dir) = await NodeAsync("dep3");
        using var _ = dir;
        repo.Commit("index.html", "v1");
        await node.StartAsync();
        var published = await node.PublishAsync("main");
        await node.Reconciler.ReconcileAsync(node.App(), "test", null, CancellationToken.None);
        var stack = await LocalStack.Shared();
        var bucket = node.Config.Aws.Bucket;
        await node.DisposeAsync();

        await using var restarted = await DeployNode.CreateAsync(stack, bucket, dir, node.Identity.Cluster, "web-1", GitApp(repo.Path));
        var outcome = await restarted.Reconciler.ReconcileAsync(restarted.App(), "boot", published.Sequence, CancellationToken.None);

        Assert.Equal(DeployOutcomeKind.UpToDate, outcome.Kind);
        Assert.Single(restarted.Layout().List());
    }

    [Fact]
    public async Task SafetyPoll_CatchesALostMessage()
    {
        var (node, repo, dir) = await NodeAsync("dep4");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        await node.StartAsync(register: false);
        var published = await node.PublishAsync("main");
        Assert.Empty(published.Targets);

        var poll = new DeployPollService(node.Reconciler, node.Web, TimeProvider.System, new Microsoft.Extensions.Logging.Abstractions.NullLogger<DeployPollService>());
        var clean = await poll.PollOnceAsync(CancellationToken.None);

        Assert.True(clean);
        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Equal(published.Sequence, node.State().AppliedSequence);
    }

    [Fact]
    public async Task SafetyPoll_AsAHostedLoop_DeploysWithoutAnyMessage()
    {
        var (node, repo, dir) = await NodeAsync("dep4b");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "polled");
        await node.StartAsync(register: false);
        await node.PublishAsync("main");
        using var poll = new DeployPollService(node.Reconciler, node.Web, TimeProvider.System, new Microsoft.Extensions.Logging.Abstractions.NullLogger<DeployPollService>());

        await poll.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (node.Layout().Current() is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await poll.StopAsync(CancellationToken.None);
        Assert.Equal("polled", node.ReadCurrent("index.html"));
    }

    [Fact]
    public async Task SnsEnvelopeBody_IsUnwrappedAndDeployed()
    {
        var (node, repo, dir) = await NodeAsync("dep5");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "sns");
        var queue = await node.StartAsync();
        var published = await node.Publisher.PublishAsync(node.Identity.Cluster, "shop", "main", "test", CancellationToken.None);
        var consumer = node.Consumer();
        await DrainAsync(node, consumer);
        var inner = node.Services.GetRequiredService<MessageCodec>().Encode("deploy", new DeployMessage("shop", "main", published.Sequence + 0).ToJson());
        var sns = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["MessageId"] = Guid.NewGuid().ToString(),
            ["TopicArn"] = "arn:aws:sns:us-east-1:000000000000:deploys",
            ["Message"] = inner,
            ["Timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
        });
        File.Delete(node.Services.GetRequiredService<DeployStateStore>().PathOf("shop"));
        foreach (var release in node.Layout().List())
        {
            node.Layout().Delete(release);
        }

        await node.Queues.SendAsync(queue.Url, sns, CancellationToken.None);
        await consumer.RunOnceAsync(CancellationToken.None);

        Assert.Equal("sns", node.ReadCurrent("index.html"));
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
        Assert.Contains(node.Logs.WithId(1511), e => e.Message.Contains("deploy"));
    }

    [Fact]
    public async Task ValidateHookFailure_SwitchesBackToThePreviousReleaseAtOnce()
    {
        var (node, repo, dir) = await NodeAsync("dep6", """
                  hooks:
                    validate: {command: [sh, -c, "test \"$(cat index.html)\" != broken"], timeout: 10s}
                    after_swap: {command: [sh, -c, "echo \"$NODEAGENT_RELEASE\" >> ../../after_swap.log"], timeout: 10s}
            """);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "good");
        await node.StartAsync();
        var good = await node.PublishAsync("main");
        await node.Reconciler.ReconcileAsync(node.App(), "test", good.Sequence, CancellationToken.None);
        var goodRelease = node.Layout().Current()!.Value;
        repo.Commit("index.html", "broken");
        var bad = await node.PublishAsync("main");

        var outcome = await node.Handler.HandleAsync(Envelope(new DeployMessage("shop", "main", bad.Sequence).ToJson()), Raw(), CancellationToken.None);

        Assert.Equal(MessageDisposition.FailedPermanently, outcome.Disposition);
        Assert.Contains("validate hook exited with code 1", outcome.Reason);
        Assert.Equal(goodRelease, node.Layout().Current()!.Value);
        Assert.Equal("good", node.ReadCurrent("index.html"));
        Assert.Single(node.Layout().List());
        var status = Assert.Single(await node.Services.GetRequiredService<DeploymentStatusStore>().ListAsync(node.Identity.Cluster, bad.Sequence, CancellationToken.None));
        Assert.Equal(DeployStates.RolledBack, status.State);
        Assert.Contains("switched back to " + goodRelease, status.Detail);
        var afterSwaps = File.ReadAllLines(Path.Combine(node.Layout().AppDir, "after_swap.log"));
        Assert.Equal(3, afterSwaps.Length);
        Assert.Equal(goodRelease, afterSwaps[^1]);
        var again = await node.Reconciler.ReconcileAsync(node.App(), "poll", null, CancellationToken.None);
        Assert.Equal(DeployOutcomeKind.Failed, again.Kind);
        Assert.Single(node.Layout().List());
    }

    [Fact]
    public async Task BuildHook_RunsInTheNewRelease_AndItsFailureLeavesCurrentAlone()
    {
        var (node, repo, dir) = await NodeAsync("dep7", """
                  hooks:
                    build: {command: [sh, -c, "echo building $NODEAGENT_REVISION; test -f ok && echo built > BUILT"], timeout: 10s}
            """);
        using var _ = dir;
        await using var __ = node;
        var commit = repo.Commit(new Dictionary<string, string?> { ["index.html"] = "v1", ["ok"] = "" });
        await node.StartAsync();
        var first = await node.PublishAsync("main");
        await node.Reconciler.ReconcileAsync(node.App(), "test", first.Sequence, CancellationToken.None);
        repo.Commit(new Dictionary<string, string?> { ["index.html"] = "v2", ["ok"] = null });
        var second = await node.PublishAsync("main");

        var outcome = await node.Reconciler.ReconcileAsync(node.App(), "test", second.Sequence, CancellationToken.None);

        Assert.Equal("built\n", node.ReadCurrent("BUILT"));
        Assert.Equal(DeployOutcomeKind.Failed, outcome.Kind);
        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Single(node.Layout().List());
        var status = Assert.Single(await node.Services.GetRequiredService<DeploymentStatusStore>().ListAsync(node.Identity.Cluster, second.Sequence, CancellationToken.None));
        Assert.Equal(DeployStates.Failed, status.State);
        Assert.Contains("building", status.Output);
        Assert.Contains(node.Logs.WithId(3041), e => e.Message.Contains("building " + commit));
    }

    [Fact]
    public async Task Retention_KeepsTheNewestReleases_AndNeverTheCurrentOrPreviousOne()
    {
        var (node, repo, dir) = await NodeAsync("dep8", web: "  keep_releases: 2\n");
        using var _ = dir;
        await using var __ = node;
        await node.StartAsync();
        var releases = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            repo.Commit("index.html", $"v{i}");
            var published = await node.PublishAsync("main");
            await node.Reconciler.ReconcileAsync(node.App(), "test", published.Sequence, CancellationToken.None);
            releases.Add(node.Layout().Current()!.Value);
        }

        var kept = node.Layout().List().Select(r => r.Value).ToList();

        Assert.Equal(releases[^2..], kept);
        Assert.Equal(releases[^2], node.State().PreviousRelease);
        Assert.Equal("v3", node.ReadCurrent("index.html"));
    }

    [Fact]
    public async Task SharedPaths_AreLinkedIntoEveryRelease_AndSurviveADeploy()
    {
        var (node, repo, dir) = await NodeAsync("dep9", """
                  shared: [storage/logs, config.ini]
            """);
        using var _ = dir;
        await using var __ = node;
        Directory.CreateDirectory(node.Layout().SharedDir);
        File.WriteAllText(Path.Combine(node.Layout().SharedDir, "config.ini"), "secret=1");
        repo.Commit(new Dictionary<string, string?> { ["index.html"] = "v1", ["config.ini"] = "from repo", ["storage/logs/.keep"] = "" });
        await node.StartAsync();
        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("main")).Sequence, CancellationToken.None);
        File.WriteAllText(Path.Combine(node.Layout().CurrentLink, "storage", "logs", "app.log"), "line");
        repo.Commit("index.html", "v2");

        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("main")).Sequence, CancellationToken.None);

        var release = node.Layout().ReleaseDir(node.Layout().Current()!.Value);
        Assert.Equal(Path.Combine(node.Layout().SharedDir, "storage/logs"), new DirectoryInfo(Path.Combine(release, "storage/logs")).LinkTarget);
        Assert.Equal("line", node.ReadCurrent("storage/logs/app.log"));
        Assert.Equal("secret=1", node.ReadCurrent("config.ini"));
        Assert.Equal("v2", node.ReadCurrent("index.html"));
    }

    [Fact]
    public async Task SharedPath_ThroughASymlinkInTheRepository_IsRefused()
    {
        var (node, repo, dir) = await NodeAsync("dep9b", """
                  shared: [data/uploads]
            """);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        File.CreateSymbolicLink(Path.Combine(repo.Path, "data"), dir.Path);
        repo.Commit(new Dictionary<string, string?>(), "symlink");
        await node.StartAsync();

        var outcome = await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("main")).Sequence, CancellationToken.None);

        Assert.Equal(DeployOutcomeKind.Transient, outcome.Kind);
        Assert.Contains("'data' is a symlink", outcome.Reason);
        Assert.False(Directory.Exists(dir.Combine("uploads")));
        Assert.Null(node.Layout().Current());
        Assert.Empty(Directory.EnumerateFileSystemEntries(node.Layout().ReleasesDir));
    }

    [Fact]
    public async Task DeployLock_HeldByAnotherProcess_MakesTheDeployWaitThenRetry_AndNamesTheOwner()
    {
        var (node, repo, dir) = await NodeAsync("dep10");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        await node.StartAsync();
        var published = await node.PublishAsync("main");
        using (await DeployLock.AcquireAsync(node.Config.Node.StateDir, "shop", "nodeagent rollback", TimeSpan.FromMinutes(1), TimeSpan.Zero, TimeProvider.System, CancellationToken.None))
        {
            var reconciler = new Reconciler(node.Web, node.Config, node.Identity, node.Services.GetRequiredService<DesiredStateStore>(),
                node.Services.GetRequiredService<DeployStateStore>(), node.Services.GetRequiredService<Deployer>(),
                node.Services.GetRequiredService<DeploymentStatusStore>(), node.Services.GetRequiredService<NodeAgent.Registry.NodeStatusBoard>(),
                Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()), TimeProvider.System,
                new Microsoft.Extensions.Logging.Abstractions.NullLogger<Reconciler>()) { LockWait = TimeSpan.FromMilliseconds(300) };

            var blocked = await reconciler.ReconcileAsync(node.App(), "test", published.Sequence, CancellationToken.None);

            Assert.Equal(DeployOutcomeKind.Transient, blocked.Kind);
            Assert.Contains("held by nodeagent rollback (pid " + Environment.ProcessId, blocked.Reason);
            Assert.Null(node.Layout().Current());
        }

        var after = await node.Reconciler.ReconcileAsync(node.App(), "test", published.Sequence, CancellationToken.None);
        Assert.Equal(DeployOutcomeKind.Deployed, after.Kind);
    }

    [Fact]
    public async Task DeployLock_FromAProcessThatDied_DoesNotSurviveIt()
    {
        using var dir = new TempDir();
        var lockPath = DeployLock.LockPath(dir.Path, "shop");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("flock", ["-x", lockPath, "sleep", "30"]))!;
        await Task.Delay(300);
        await Assert.ThrowsAsync<DeployLockHeldException>(() => DeployLock.AcquireAsync(dir.Path, "shop", "t", TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None));

        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync();
        using var acquired = await DeployLock.AcquireAsync(dir.Path, "shop", "t", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);

        Assert.Equal(Environment.ProcessId, acquired.Owner.Pid);
    }

    [Fact]
    public async Task RegistrationRace_RecheckAfterRegistration_DeploysWhatWasPublishedInBetween()
    {
        var (node, repo, dir) = await NodeAsync("dep11");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        await node.StartAsync(register: false);
        var catchUp = new DeployCatchUpTask(node.Reconciler, node.Services.GetRequiredService<Deployer>(), TimeProvider.System,
            new Microsoft.Extensions.Logging.Abstractions.NullLogger<DeployCatchUpTask>());
        await catchUp.RunAsync(CancellationToken.None);
        Assert.Null(node.Layout().Current());
        var published = await node.PublishAsync("main");
        Assert.Empty(published.Targets);
        await node.Services.GetRequiredService<NodeAgent.Registry.NodeRegistration>().PublishAsync(CancellationToken.None);

        await new DeployRecheckTask(node.Reconciler, new Microsoft.Extensions.Logging.Abstractions.NullLogger<DeployRecheckTask>()).RunAsync(CancellationToken.None);

        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.True(DeployRecheckTask.RecheckOrder > NodeAgent.Lifecycle.StartupOrder.Registration);
    }

    [Fact]
    public async Task Mirror_FetchesOnlyWhenNeeded_AndIsReusedAcrossDeploys()
    {
        var (node, repo, dir) = await NodeAsync("dep12");
        using var _ = dir;
        await using var __ = node;
        var first = repo.Commit("index.html", "v1");
        await node.StartAsync();
        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync(first)).Sequence, CancellationToken.None);
        var mirror = NodeAgent.Roles.Web.Checkout.SourceCheckouts.MirrorPath(node.Config.Node.StateDir, "shop");
        var packsBefore = Directory.GetFiles(Path.Combine(mirror, "objects"), "*", SearchOption.AllDirectories).Length;
        repo.Commit("index.html", "v2");
        var fetchesBefore = node.Logs.WithId(3101).Count();

        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("main")).Sequence, CancellationToken.None);
        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync(first)).Sequence, CancellationToken.None);

        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Equal(fetchesBefore + 1, node.Logs.WithId(3101).Count());
        Assert.Single(node.Logs.WithId(3102));
        Assert.True(Directory.GetFiles(Path.Combine(mirror, "objects"), "*", SearchOption.AllDirectories).Length > packsBefore);
    }

    [Fact]
    public async Task Deploy_OfATag_AndOfAnAbbreviatedCommit_ResolvesToTheExactCommit()
    {
        var (node, repo, dir) = await NodeAsync("dep13");
        using var _ = dir;
        await using var __ = node;
        var tagged = repo.Commit("index.html", "tagged");
        repo.Tag("v1.0");
        var later = repo.Commit("index.html", "later");
        await node.StartAsync();

        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("v1.0")).Sequence, CancellationToken.None);
        var afterTag = node.ReadCurrent("index.html");
        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync(later[..10])).Sequence, CancellationToken.None);

        Assert.Equal("tagged", afterTag);
        Assert.Equal("later", node.ReadCurrent("index.html"));
        Assert.Equal(later, node.State().Commit);
        Assert.NotEqual(tagged, later);
    }

    [Fact]
    public async Task Publish_AllocatesStrictlyIncreasingSequences_SharedAcrossApps()
    {
        var (node, repo, dir) = await NodeAsync("dep14");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");

        var results = new List<PublishResult>();
        for (var i = 0; i < 6; i++)
        {
            results.Add(await node.Publisher.PublishAsync(node.Identity.Cluster, i % 2 == 0 ? "shop" : "blog", "main", $"p{i}", CancellationToken.None));
        }

        var sequences = results.Select(r => r.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), sequences);
        var desired = await node.Services.GetRequiredService<DesiredStateStore>().ReadAsync(node.Identity.Cluster, "shop", CancellationToken.None);
        Assert.Equal(5, desired.Desired!.Sequence);
        var record = await node.Store.GetAsync(DeployKeys.Deployment(node.Identity.Cluster, 6), CancellationToken.None);
        Assert.Equal("blog", DeployJson.Parse<DeploymentRecord>(record!.Content).Value!.App);
    }

    [Fact]
    public async Task Publish_WithAStoreThatHonoursConditionalWrites_NeverLetsTheDesiredSequenceGoBackwards()
    {
        var store = new ConditionalStore();
        var registry = new NodeAgent.Registry.S3NodeRegistry(store, new NodeAgent.Configuration.RegistrySection(), TimeProvider.System);
        var codec = new MessageCodec(null, TimeSpan.FromMinutes(5), TimeProvider.System);
        using var signer = TestKeys.Signer();
        var publisher = new DeployPublisher(store, registry, new MessagePublisher(new NoQueue(), codec), signer, TimeProvider.System,
            new Microsoft.Extensions.Logging.Abstractions.NullLogger<DeployPublisher>());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                return (await publisher.PublishAsync("c", "shop", $"r{i}", "t", CancellationToken.None)).Sequence;
            }
            catch (PublishSupersededException)
            {
                return -1;
            }
        }));

        var won = results.Where(s => s > 0).ToList();
        Assert.Equal(won.Count, won.Distinct().Count());
        var desired = (await new DesiredStateStore(store).ReadAsync("c", "shop", CancellationToken.None)).Desired;
        Assert.Equal(won.Max(), desired!.Sequence);
        Assert.True(store.PreconditionFailures > 0 || won.Count == 20);
    }

    internal static async Task DrainAsync(DeployNode node, QueueConsumerService consumer)
    {
        for (var i = 0; i < 5 && await consumer.ReceiveOnceAsync(CancellationToken.None) > 0; i++)
        {
        }
    }
}
