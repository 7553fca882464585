using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Security;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>
/// Issue 12, desired-state behaviours 15-18, on a web node's real deploy machinery (fauxqs S3, git): an oversized
/// desired.json is refused before its body is read; a sequence out of bounds is refused and never becomes the applied
/// sequence, the publisher refuses to overflow and <c>--reset-sequence</c> recovers; a rejection writes its status
/// record; an unsigned or wrongly signed desired.json is refused, reported, and the release is kept.
/// </summary>
public sealed class DesiredStateHardeningTests
{
    internal static DesiredRelease Desired(DeployNode node, long sequence, string? revision = "main") => new()
    {
        Cluster = node.Identity.Cluster,
        App = "shop",
        Sequence = sequence,
        Revision = revision,
        PublishedAt = DateTimeOffset.UtcNow,
        PublishedBy = "test",
        Nonce = Guid.NewGuid().ToString("N"),
    };

    internal static Task<DeployOutcome> ReconcileAsync(DeployNode node)
        => node.Reconciler.ReconcileAsync(node.App(), "poll", null, CancellationToken.None);

    private static async Task<DeploymentStatus?> StatusAsync(DeployNode node, long sequence)
        => (await node.Services.GetRequiredService<DeploymentStatusStore>().ListAsync(node.Identity.Cluster, sequence, CancellationToken.None)).SingleOrDefault();

    /// <summary>A deployed node: sequence 1 (v1) is current.</summary>
    internal static async Task<(DeployNode Node, GitRepo Repo, TempDir Dir)> DeployedNodeAsync(string cluster)
    {
        var (node, repo, dir) = await DeployTests.NodeAsync(cluster);
        repo.Commit("index.html", "v1");
        await node.StartAsync(register: true);
        await node.PublishAsync("main");
        Assert.Equal(DeployOutcomeKind.Deployed, (await ReconcileAsync(node)).Kind);
        return (node, repo, dir);
    }

    [Fact]
    public async Task Behaviour16_ASequencePastTheMaximum_IsRefused_NeverApplied_AndResetSequenceRecovers()
    {
        var (node, repo, dir) = await DeployedNodeAsync("seqmax");
        using var __ = dir;
        await using var ___ = node;
        using var signer = TestKeys.Signer();
        var desired = new DesiredStateStore(node.Store);
        await desired.WriteAsync(Desired(node, long.MaxValue), null, false, signer, CancellationToken.None);

        var refused = await ReconcileAsync(node);
        Assert.Equal(DeployOutcomeKind.Rejected, refused.Kind);
        Assert.Contains($"past the maximum {DesiredSequence.Max}", refused.Reason);
        Assert.Equal(1, node.State().AppliedSequence);

        var publish = await Assert.ThrowsAsync<PublishRefusedException>(() => node.PublishAsync("main"));
        Assert.Contains("--reset-sequence", publish.Message);

        repo.Commit("index.html", "v2");
        var reset = await node.Publisher.ResetAsync(node.Identity.Cluster, "shop", "main", "operator", CancellationToken.None);
        Assert.Equal(2, reset.Sequence);
        Assert.Equal(DeployOutcomeKind.Deployed, (await ReconcileAsync(node)).Kind);
        Assert.Equal("v2", node.ReadCurrent("index.html"));
        Assert.Equal(2, node.State().AppliedSequence);
        Assert.Equal(3, (await node.PublishAsync("main")).Sequence);
    }

    [Fact]
    public async Task Behaviour16_ASequenceTooFarAhead_IsRefused_AndTheAppliedSequenceStays()
    {
        var (node, _, dir) = await DeployedNodeAsync("seqstep");
        using var __ = dir;
        await using var ___ = node;
        using var signer = TestKeys.Signer();
        await new DesiredStateStore(node.Store).WriteAsync(Desired(node, 1 + DesiredSequence.MaxStep + 1), null, false, signer, CancellationToken.None);

        var outcome = await ReconcileAsync(node);

        Assert.Equal(DeployOutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("ahead of this node's applied sequence 1", outcome.Reason);
        Assert.Equal(1, node.State().AppliedSequence);
        Assert.Equal(DeployStates.Rejected, (await StatusAsync(node, 1 + DesiredSequence.MaxStep + 1))!.State);
    }

    [Fact]
    public async Task Behaviour16_ThePublisherRefusesToOverflow_WhenTheHintIsAtTheMaximum()
    {
        var (node, _, dir) = await DeployedNodeAsync("overflow");
        using var __ = dir;
        await using var ___ = node;
        await node.Store.PutAsync(DeployKeys.SequenceHint(node.Identity.Cluster), Encoding.UTF8.GetBytes($"{{\"sequence\":{DesiredSequence.Max}}}"), null, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => node.PublishAsync("main"));

        Assert.Contains("--reset-sequence", refused.Message);
        await node.Store.PutAsync(DeployKeys.SequenceHint(node.Identity.Cluster), Encoding.UTF8.GetBytes($"{{\"sequence\":{long.MaxValue}}}"), null, CancellationToken.None);
        Assert.Equal(2, (await node.PublishAsync("main")).Sequence);
    }

    [Fact]
    public async Task Behaviour16_APoisonedAppliedSequenceInTheStateFile_IsDroppedWithAReason_AndTheNodeDeploysAgain()
    {
        var (node, repo, dir) = await DeployedNodeAsync("seqstate");
        using var __ = dir;
        await using var ___ = node;
        var states = node.Services.GetRequiredService<DeployStateStore>();
        var path = states.PathOf("shop");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"applied_sequence\":1", $"\"applied_sequence\":{long.MaxValue}"));

        repo.Commit("index.html", "v2");
        await node.PublishAsync("main");
        var outcome = await ReconcileAsync(node);

        Assert.Equal(DeployOutcomeKind.Deployed, outcome.Kind);
        Assert.Equal("v2", node.ReadCurrent("index.html"));
        Assert.Contains(node.Logs.WithId(3021), e => e.Message.Contains($"applied_sequence {long.MaxValue} is outside"));
        Assert.Throws<InvalidDataException>(() => states.Save("shop", node.State() with { AppliedSequence = -5 }));
    }

    [Fact]
    public async Task Behaviour17_AMalformedRevisionInTheDesiredState_WritesARejectedStatusRecord()
    {
        var (node, _, dir) = await DeployedNodeAsync("badrev");
        using var __ = dir;
        await using var ___ = node;
        using var signer = TestKeys.Signer();
        var store = new DesiredStateStore(node.Store);
        var current = await store.ReadAsync(node.Identity.Cluster, "shop", CancellationToken.None);
        await store.WriteAsync(Desired(node, 2, "../../etc/passwd"), current.ETag, false, signer, CancellationToken.None);

        var outcome = await ReconcileAsync(node);

        Assert.Equal(DeployOutcomeKind.Rejected, outcome.Kind);
        var status = await StatusAsync(node, 2);
        Assert.Equal(DeployStates.Rejected, status!.State);
        Assert.Contains("must not contain '..'", status.Detail);
        Assert.Equal("v1", node.ReadCurrent("index.html"));
    }

    [Theory]
    [InlineData("unsigned", "is not signed")]
    [InlineData("other key", "does not verify with web.publish_key")]
    [InlineData("tampered", "does not verify with web.publish_key")]
    [InlineData("replayed from another app", "does not verify with web.publish_key")]
    public async Task Behaviour18_UnsignedOrWronglySignedDesiredState_IsRefused_Reported_AndTheReleaseKept(string how, string reason)
    {
        var (node, repo, dir) = await DeployedNodeAsync("sig");
        using var __ = dir;
        await using var ___ = node;
        repo.Commit("index.html", "evil");
        var key = DeployKeys.Desired(node.Identity.Cluster, "shop");
        var content = DeployJson.Serialize(Desired(node, 2));
        using var other = PublishSigningKey.Generate();
        using var ours = TestKeys.Signer();
        var signature = how switch
        {
            "unsigned" => null,
            "other key" => other.Sign(key, content),
            "tampered" => ours.Sign(key, DeployJson.Serialize(Desired(node, 2, "v0"))),
            _ => ours.Sign(DeployKeys.Desired(node.Identity.Cluster, "blog"), content),
        };
        await node.Store.PutAsync(key, content, new PutOptions
        {
            Metadata = signature is null ? null : new Dictionary<string, string> { [DesiredStateStore.SignatureMetadata] = signature },
        }, CancellationToken.None);

        var outcome = await ReconcileAsync(node);
        var again = await ReconcileAsync(node);

        Assert.Equal(DeployOutcomeKind.Rejected, outcome.Kind);
        Assert.Contains(reason, outcome.Reason);
        Assert.Equal(DeployOutcomeKind.Rejected, again.Kind);
        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Equal(1, node.State().AppliedSequence);
        var status = await StatusAsync(node, 2);
        Assert.Equal(DeployStates.Rejected, status!.State);
        Assert.Contains(reason, status.Detail);
        Assert.Single(node.Logs.WithId(3057));
    }

    [Fact]
    public async Task Behaviour18_TheDesiredSignature_CoversTheExactBytes_WhateverFieldsTheDocumentHolds()
    {
        using var signer = TestKeys.Signer();
        var content = Encoding.UTF8.GetBytes("{\"schema\":1,\"future_field\":[1,2,3]}");
        var signature = signer.Sign("c/apps/shop/desired.json", content);

        Assert.True(signer.PublicKey.Verifies("c/apps/shop/desired.json", content, signature));
        Assert.False(signer.PublicKey.Verifies("c/apps/shop/desired.json", [.. content, (byte)' '], signature));
        Assert.True(PublishKey.TryParse(TestKeys.PublicKey, out var configured));
        Assert.True(configured.SameAs(signer.PublicKey));
    }

    [Fact]
    public async Task DeployCommand_ResetSequence_WithoutATerminal_AsksForYes_AndWithYesPublishes()
    {
        var (node, _, dir) = await DeployedNodeAsync("resetcli");
        using var __ = dir;
        await using var ___ = node;
        var stack = await LocalStack.Shared();
        var userData = UserDataFiles.Web(stack, node.Config.Aws.Bucket, dir, node.Identity.Cluster, "publisher", System.Net.IPAddress.Loopback);

        var (refused, _, refusal) = await RunAsync("deploy", "--app", "shop", "--revision", "main", "--reset-sequence", "--user-data", userData);
        var (code, stdout, stderr) = await RunAsync("deploy", "--app", "shop", "--revision", "main", "--reset-sequence", "--yes", "--user-data", userData);

        Assert.Equal(2, refused);
        Assert.Contains("add --yes", refusal);
        Assert.True(code == 0, stderr);
        Assert.Contains("sequence 2", stdout);
    }

    [Fact]
    public async Task DeployCommand_WithAKeyTheNodesDoNotTrust_IsRefusedBeforePublishing()
    {
        using var dir = new TempDir();
        var stack = await LocalStack.Shared();
        var userData = UserDataFiles.Web(stack, "nobucket", dir, "keycheck", "publisher", System.Net.IPAddress.Loopback);
        using var other = PublishSigningKey.Generate();
        var keyFile = dir.Combine("other.pem");
        await File.WriteAllTextAsync(keyFile, other.ToPem());

        var (code, _, stderr) = await RunAsync("deploy", "--app", "shop", "--publish-key", keyFile, "--user-data", userData);
        var (missing, _, missingErr) = await RunWithKeyAsync(null, "deploy", "--app", "shop", "--user-data", userData);

        Assert.Equal(2, code);
        Assert.Contains("is not the one the web nodes verify with", stderr);
        Assert.Equal(2, missing);
        Assert.Contains("--publish-key", missingErr);
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunWithKeyAsync(TestKeys.PrivateKeyFile, args);

    private static async Task<(int Code, string Stdout, string Stderr)> RunWithKeyAsync(string? keyFile, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(BuiltInRoles.Catalog(), stdout, stderr)
        {
            GetEnvironment = name => name == NodeAgent.Roles.Web.Cli.DeployCommand.PublishKeyVariable ? keyFile : null,
            Confirmations = null,
        };
        var code = await NodeAgentCli.RunAsync(args, context);
        return (code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>Issue 12 #15, alone: it measures the process's allocations.</summary>
[Collection(SerialCollection.Name)]
public sealed class OversizedDesiredStateTests
{
    [Fact]
    public async Task Behaviour15_A64MiBDesiredJson_IsRefusedBeforeItsBodyIsRead()
    {
        var (node, _, dir) = await DesiredStateHardeningTests.DeployedNodeAsync("big");
        using var __ = dir;
        await using var ___ = node;
        // 64 MiB, uploaded in parts (the local S3 server takes no single PUT that large).
        var part = new byte[8 * 1024 * 1024];
        Array.Fill(part, (byte)' ');
        await using (var upload = await node.Store.StartMultipartUploadAsync(DeployKeys.Desired(node.Identity.Cluster, "shop"), null, CancellationToken.None))
        {
            for (var i = 1; i <= 8; i++)
            {
                await upload.UploadPartAsync(i, part, CancellationToken.None);
            }

            Assert.Equal(64L * 1024 * 1024, (await upload.CompleteAsync(CancellationToken.None)).Size);
        }

        part = null;
        GC.Collect();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var outcome = await DesiredStateHardeningTests.ReconcileAsync(node);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(DeployOutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("at most 65536 bytes are accepted", outcome.Reason);
        Assert.True(allocated < 16 * 1024 * 1024, $"reading the refused object allocated {allocated / (1024 * 1024)} MiB");
        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Equal(1, node.State().AppliedSequence);
    }

}

/// <summary>Tests that measure process-wide allocation run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
