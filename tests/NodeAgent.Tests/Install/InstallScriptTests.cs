using System.Diagnostics;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Install;

public sealed class InstallScriptTests
{
    [Fact]
    public async Task InstallSh_FromABuild_InstallsBinaryUnitAndConfigDir()
    {
        using var dir = new TempDir();
        var build = Path.GetDirectoryName(RepoPaths.AgentDll)!;
        var prefix = dir.Combine("opt", "nodeagent");

        var (code, output) = await RunAsync(Path.Combine(RepoPaths.Root, "install", "install.sh"),
            "--from", build, "--prefix", prefix, "--config-dir", dir.Combine("etc"), "--unit-dir", dir.Combine("units"), "--no-systemctl");

        Assert.True(code == 0, output);
        var unit = await File.ReadAllTextAsync(dir.Combine("units", "nodeagent.service"));
        Assert.Contains($"ExecStart={prefix}/nodeagent run", unit);
        Assert.Contains("Type=notify", unit);
        Assert.True(File.Exists(dir.Combine("etc", "environment")));
        var (versionCode, version) = await RunAsync(Path.Combine(prefix, "nodeagent"), "version");
        Assert.Equal(0, versionCode);
        Assert.StartsWith("nodeagent ", version);
    }

    [Fact]
    public async Task InstallSh_WithAMissingBuild_FailsWithoutTouchingThePrefix()
    {
        using var dir = new TempDir();
        var prefix = dir.Combine("opt", "nodeagent");
        Directory.CreateDirectory(prefix);
        await File.WriteAllTextAsync(Path.Combine(prefix, "marker"), "old");

        var (code, output) = await RunAsync(Path.Combine(RepoPaths.Root, "install", "install.sh"),
            "--from", dir.Combine("nothing-here"), "--prefix", prefix, "--no-systemctl");

        Assert.NotEqual(0, code);
        Assert.Contains("nodeagent is missing", output);
        Assert.Equal("old", await File.ReadAllTextAsync(Path.Combine(prefix, "marker")));
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
