using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Messaging;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>svn deploys against real repositories made with <c>svnadmin create</c>: through file:// and through svnserve on loopback.</summary>
public sealed class SvnDeployTests
{
    private static string SvnApp(string url, string extra = "") => $$"""
          apps:
            - name: shop
              repository: {type: svn, url: "{{url}}"{{extra}}}
        """;

    [Fact]
    public async Task Svn_DeploysHeadAndAnExactRevision_ThroughFileUrl_WithNoSvnMetadata()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("svn");
        using var dir = new TempDir();
        var repo = SvnRepo.Create(dir.Path);
        var r1 = repo.Commit(new Dictionary<string, string> { ["index.html"] = "svn v1", ["lib/a.txt"] = "a" });
        var r2 = repo.Commit(new Dictionary<string, string> { ["index.html"] = "svn v2" });
        await using var node = await DeployNode.CreateAsync(stack, bucket, dir, "svn-" + Guid.NewGuid().ToString("N")[..6], "web-1", SvnApp(repo.FileUrl));
        await node.StartAsync();

        var head = await node.Handler.HandleAsync(DeployTests.Envelope(new DeployMessage("shop", "HEAD", (await node.PublishAsync("HEAD")).Sequence).ToJson()), DeployTests.Raw(), CancellationToken.None);
        var headRelease = node.Layout().Current()!;
        var exact = await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync(r1.ToString(System.Globalization.CultureInfo.InvariantCulture))).Sequence, CancellationToken.None);

        Assert.Equal(MessageDisposition.Completed, head.Disposition);
        Assert.Equal($"r{r2}", headRelease.Revision);
        Assert.Equal(DeployOutcomeKind.Deployed, exact.Kind);
        Assert.Equal("svn v1", node.ReadCurrent("index.html"));
        Assert.Equal("a", node.ReadCurrent("lib/a.txt"));
        Assert.False(Directory.Exists(Path.Combine(node.Layout().CurrentLink, ".svn")));
        Assert.False(Directory.Exists(Path.Combine(node.Layout().CurrentLink, ".svn-export")));
    }

    [Fact]
    public async Task Svn_RevisionThatDoesNotExist_IsRejected()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("svn");
        using var dir = new TempDir();
        var repo = SvnRepo.Create(dir.Path);
        repo.Commit(new Dictionary<string, string> { ["index.html"] = "v1" });
        await using var node = await DeployNode.CreateAsync(stack, bucket, dir, "svn-" + Guid.NewGuid().ToString("N")[..6], "web-1", SvnApp(repo.FileUrl));
        await node.StartAsync();
        var published = await node.PublishAsync("999");

        var outcome = await node.Handler.HandleAsync(DeployTests.Envelope(new DeployMessage("shop", "999", published.Sequence).ToJson()), DeployTests.Raw(), CancellationToken.None);

        Assert.Equal(MessageDisposition.Rejected, outcome.Disposition);
        Assert.Contains("revision '999' does not exist", outcome.Reason);
        Assert.Null(node.Layout().Current());
    }

    [Fact]
    public async Task Svn_ThroughSvnserveWithAuth_PassesThePasswordOnStdin_NeverOnTheCommandLineOrInLogs()
    {
        const string password = "s3cr3t-Pa55word";
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("svn");
        using var dir = new TempDir();
        var repo = SvnRepo.Create(dir.Path);
        repo.Commit(new Dictionary<string, string> { ["index.html"] = "served" });
        repo.RequireAuth("deployer", password);
        var port = LoopbackPorts.Free();
        using var svnserve = Process.Start(new ProcessStartInfo("svnserve",
            ["-d", "--foreground", "--listen-host", "127.0.0.1", "--listen-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-r", dir.Path])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            await WaitForPortAsync(port);
            var recorder = new RecordingProcessRunner();
            File.WriteAllText(dir.Combine("svn-password"), password + "\n");
            await using var node = await DeployNode.CreateAsync(stack, bucket, dir, "svn-" + Guid.NewGuid().ToString("N")[..6], "web-1",
                SvnApp($"svn://127.0.0.1:{port}/svnrepo", $", username: deployer, password: {{file: {dir.Combine("svn-password")}}}"),
                configure: s => s.AddSingleton<IProcessRunner>(recorder));
            await node.StartAsync();

            var outcome = await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("HEAD")).Sequence, CancellationToken.None);

            Assert.Equal(DeployOutcomeKind.Deployed, outcome.Kind);
            Assert.Equal("served", node.ReadCurrent("index.html"));
            Assert.NotEmpty(recorder.Specs);
            Assert.All(recorder.Specs, spec =>
            {
                Assert.DoesNotContain(spec.Arguments, a => a.Contains(password, StringComparison.Ordinal));
                Assert.DoesNotContain(password, spec.Display, StringComparison.Ordinal);
                Assert.Contains("--password-from-stdin", spec.Arguments);
            });
            Assert.DoesNotContain(password, node.Logs.Text, StringComparison.Ordinal);
        }
        finally
        {
            svnserve.Kill(entireProcessTree: true);
            await svnserve.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Svn_WithAWrongPassword_FailsWithoutCheckingOutAndWithoutLeakingIt()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("svn");
        using var dir = new TempDir();
        var repo = SvnRepo.Create(dir.Path);
        repo.Commit(new Dictionary<string, string> { ["index.html"] = "served" });
        repo.RequireAuth("deployer", "right-one");
        var port = LoopbackPorts.Free();
        using var svnserve = Process.Start(new ProcessStartInfo("svnserve",
            ["-d", "--foreground", "--listen-host", "127.0.0.1", "--listen-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-r", dir.Path])
        {
            UseShellExecute = false,
        })!;
        try
        {
            await WaitForPortAsync(port);
            await using var node = await DeployNode.CreateAsync(stack, bucket, dir, "svn-" + Guid.NewGuid().ToString("N")[..6], "web-1",
                SvnApp($"svn://127.0.0.1:{port}/svnrepo", ", username: deployer, password: wrong-0ne-xyz"));
            await node.StartAsync();

            var outcome = await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("HEAD")).Sequence, CancellationToken.None);

            Assert.Equal(DeployOutcomeKind.Transient, outcome.Kind);
            Assert.Null(node.Layout().Current());
            Assert.DoesNotContain("wrong-0ne-xyz", node.Logs.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-0ne-xyz", outcome.Reason, StringComparison.Ordinal);
        }
        finally
        {
            svnserve.Kill(entireProcessTree: true);
            await svnserve.WaitForExitAsync();
        }
    }

    private static async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Fail($"svnserve did not listen on {port}");
    }
}
