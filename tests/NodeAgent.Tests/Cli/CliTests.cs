using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public async Task Validate_AValidFile_ExitsZeroAndSaysSo()
    {
        var (code, stdout, _) = await RunAsync("validate", Path.Combine(RepoPaths.Examples, "lb.yaml"));

        Assert.Equal(0, code);
        Assert.Contains("valid (role lb, cluster shop-prod)", stdout);
    }

    [Fact]
    public async Task Validate_AnInvalidFile_ExitsThreeAndListsEveryError()
    {
        using var dir = new TempDir();
        var file = dir.Combine("bad.yaml");
        await File.WriteAllTextAsync(file, "version: 1\nrole: web\ncluster: demo\naws: {region: nowhere, bucket: b}\nweb: {apps: []}\n");

        var (code, _, stderr) = await RunAsync("validate", file);

        Assert.Equal(3, code);
        Assert.Contains("aws.region: expected an AWS region such as us-east-1, got 'nowhere'", stderr);
        Assert.Contains("aws.bucket: expected an S3 bucket name", stderr);
        Assert.Contains("web.apps: must have at least one item", stderr);
    }

    [Fact]
    public async Task Validate_AMissingFile_ExitsFour()
    {
        var (code, _, stderr) = await RunAsync("validate", "/nonexistent/user-data.yaml");

        Assert.Equal(4, code);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public async Task Validate_MultipartFileWithAgentPart_IsAccepted()
    {
        using var dir = new TempDir();
        var file = dir.Combine("cloud-init.mime");
        var yaml = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Examples, "db.yaml"));
        await File.WriteAllTextAsync(file, Bootstrap.UserDataDecoderTests.Multipart(("text/cloud-config", "#cloud-config\n", null), ("text/x-nodeagent", yaml, null)));

        var (code, stdout, stderr) = await RunAsync("validate", file);

        Assert.True(code == 0, stderr);
        Assert.Contains("role db", stdout);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("lb")]
    [InlineData("db")]
    public async Task Validate_ShippedCloudInitExamples_AreValid(string role)
    {
        var (code, stdout, stderr) = await RunAsync("validate", Path.Combine(RepoPaths.Root, "install", "cloud-init", role + ".mime"));

        Assert.True(code == 0, stderr);
        Assert.Contains($"role {role}", stdout);
    }

    [Fact]
    public async Task Version_ListsTheRoles()
    {
        var (code, stdout, _) = await RunAsync("version");

        Assert.Equal(0, code);
        Assert.Matches(@"^nodeagent \d+\.\d+\.\d+", stdout);
        Assert.Contains("role db", stdout);
        Assert.Contains("role lb", stdout);
        Assert.Contains("role web", stdout);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwo()
    {
        var (code, _, stderr) = await RunAsync("deploi");

        Assert.Equal(2, code);
        Assert.Contains("deploi", stderr);
    }

    [Fact]
    public async Task Status_WhenTheAgentIsNotRunning_ShowsIdentityAndExitsSix()
    {
        var stack = await LocalStack.Shared();
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, "unused-bucket", dir, "st", "web-3", address);

        var (code, stdout, _) = await RunAsync("status", "--user-data", file);

        Assert.Equal(6, code);
        Assert.Contains("node        web-3", stdout);
        Assert.Contains("role        web", stdout);
        Assert.Contains($"source      file {file}", stdout);
        Assert.Contains("no state yet", stdout);
        Assert.Contains("agent       not running", stdout);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(BuiltInRoles.Catalog(), stdout, stderr) { GetEnvironment = _ => null };
        var code = await NodeAgentCli.RunAsync(args, context);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
