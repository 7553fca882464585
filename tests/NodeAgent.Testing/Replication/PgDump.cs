using System.Diagnostics;
using System.Globalization;

namespace NodeAgent.Testing.Replication;

/// <summary>pg_dumpall of a node (as the postgres OS user, over TCP), for comparing a replica with its primary.</summary>
public static class PgDump
{
    public static async Task<string> AllAsync(ReplicationNode node)
    {
        var start = new ProcessStartInfo("runuser", ["-u", "postgres", "--", Path.Combine(PostgresCluster.BinDir, "pg_dumpall"),
            "-h", node.Address.ToString(), "-p", node.PgPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "--restrict-key=nodeagenttest"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"pg_dumpall of {node.NodeId} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
