using System.Security.Cryptography;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Cli;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>
/// <c>nodeagent-wal-push</c>, the NativeAOT archive_command client (run here from its ordinary build, same code): hands
/// segments to the agent's socket, answers with the agent's verdict, and without an agent becomes <c>nodeagent wal-push</c>.
/// </summary>
[Collection(DatabaseServerCollections.A)]
public sealed class WalPushClientTests
{
    [Fact]
    public async Task ArchiveCommand_ThroughTheClient_IsArchivedByTheAgent_AndAConflictExitsNine()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        using var client = ClientDir.Create(withAgentFallback: false);
        await using var cluster = await PostgresCluster.StartAsync($"{client.Executable} --config {archive.SettingsPath} %p");
        archive.WriteSettings(cluster.DataDir);
        using var stop = new CancellationTokenSource();
        var socket = ArchiveConfigWriter.SocketNextTo(archive.SettingsPath);
        var pusher = new WalPusher(archive.Store, archive.Layout, cluster.DataDir, 3, NullLogger.Instance);
        using var server = new WalArchiveServer(socket, cluster.DataDir, new WalLookahead(pusher, Path.Combine(cluster.DataDir, "pg_wal"), 2, NullLogger.Instance),
            PostgresCluster.PostgresUser, NullLogger<WalArchiveServer>.Instance);
        await server.StartAsync(stop.Token);
        await WaitForSocketAsync(socket);

        await cluster.ExecAsync("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
        var segment = await cluster.SwitchWalAsync();
        await cluster.WaitArchivedAsync(segment, TimeSpan.FromMinutes(1));
        var forgedName = "0000000100000000000000F0";
        await archive.Store.PutAsync(archive.Layout.Wal(forgedName), new byte[] { 1, 2, 3 }, new PutOptions
        {
            Metadata = new Dictionary<string, string> { [ObjectMetadataKeys.Sha256] = new string('0', 64), [ObjectMetadataKeys.Size] = "3" },
        }, CancellationToken.None);
        var local = Path.Combine(cluster.DataDir, "pg_wal", forgedName);
        File.Copy(Path.Combine(cluster.DataDir, "pg_wal", segment), local);
        var conflict = await client.RunAsync(["--config", archive.SettingsPath, local]);
        var usage = await client.RunAsync(["--bogus"]);
        await server.StopAsync(CancellationToken.None);

        var stored = await archive.Store.HeadAsync(archive.Layout.Wal(segment), CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(cluster.DataDir, "pg_wal", segment)))),
            stored.Metadata[ObjectMetadataKeys.Sha256]);
        Assert.Equal((int)ExitCode.ArchiveConflict, conflict.ExitCode);
        Assert.Contains("different content", conflict.StandardError);
        Assert.Equal((int)ExitCode.Usage, usage.ExitCode);
    }

    [Fact]
    public async Task WithoutAnAgent_TheClientBecomesNodeagentWalPush_AndStillArchivesBeforeExitingZero()
    {
        var stack = await LocalStack.Shared();
        await using var archive = await ArchiveFixture.CreateAsync(stack);
        using var client = ClientDir.Create(withAgentFallback: true);
        using var lonely = ClientDir.Create(withAgentFallback: false);
        await using var cluster = await PostgresCluster.StartAsync(archiveCommand: null);
        archive.WriteSettings(cluster.DataDir);
        var segment = Path.Combine(cluster.DataDir, "pg_wal", await cluster.SwitchWalAsync());

        var pushed = await client.RunAsync(["--config", archive.SettingsPath, segment]);
        var nowhere = await lonely.RunAsync(["--config", archive.SettingsPath, segment]);

        Assert.True(pushed.ExitCode == 0, pushed.StandardError);
        Assert.NotNull(await archive.Store.HeadAsync(archive.Layout.Wal(Path.GetFileName(segment)), CancellationToken.None));
        Assert.Equal((int)ExitCode.Failure, nowhere.ExitCode);
        Assert.Contains("NOT archived", nowhere.StandardError);
    }

    private static async Task WaitForSocketAsync(string socket)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(socket))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the agent's socket {socket} did not appear");
            await Task.Delay(50);
        }
    }

    /// <summary>A copy of the client's build output in a directory of its own (readable by postgres), optionally with a
    /// <c>nodeagent</c> next to it that runs the agent from its build, as the installed layout has.</summary>
    private sealed class ClientDir : IDisposable
    {
        private readonly TempDir _dir = new("nodeagent-walclient");

        public string Executable => _dir.Combine(PostgresBackups.WalPushClientFileName);

        public static ClientDir Create(bool withAgentFallback)
        {
            var result = new ClientDir();
            NodeAgent.Roles.Db.Backup.UnixModes.Set(result._dir.Path, (UnixFileMode)0x1ED);
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            var build = Path.Combine(RepoPaths.Root, "src", "WalPushClient", "bin", configuration, "net10.0");
            foreach (var file in Directory.EnumerateFiles(build, "nodeagent-wal-push*"))
            {
                File.Copy(file, result._dir.Combine(Path.GetFileName(file)));
            }

            Assert.True(File.Exists(result.Executable), $"the client is not built in {build}");
            if (withAgentFallback)
            {
                File.WriteAllText(result._dir.Combine("nodeagent"), $"#!/bin/sh\nexec dotnet {RepoPaths.AgentDll} \"$@\"\n");
                NodeAgent.Roles.Db.Backup.UnixModes.Set(result._dir.Combine("nodeagent"), (UnixFileMode)0x1ED);
            }

            return result;
        }

        public async Task<BufferedCommandResult> RunAsync(IReadOnlyList<string> args)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            return await CliWrap.Cli.Wrap(Executable).WithArguments(args).WithEnvironmentVariables(LocalStack.SdkEnvironment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value))
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
        }

        public void Dispose() => _dir.Dispose();
    }
}
