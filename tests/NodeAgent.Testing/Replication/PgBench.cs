using System.Diagnostics;
using System.Globalization;

namespace NodeAgent.Testing.Replication;

/// <summary>PostgreSQL's pgbench against a node (as the postgres OS user, over TCP): initialise, and load for a bounded time.</summary>
public static class PgBench
{
    public static string Binary => Path.Combine(PostgresCluster.BinDir, "pgbench");

    public static Task InitAsync(ReplicationNode node, int scale)
        => PostgresCluster.RunAsPostgresAsync(Binary, ["-i", "-s", scale.ToString(CultureInfo.InvariantCulture), "-q", "-h", node.Address.ToString(), "-p", node.PgPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "postgres"]);

    /// <summary>Starts pgbench for <paramref name="duration"/> with <paramref name="clients"/> clients; the process ends by itself.</summary>
    public static Process Start(ReplicationNode node, TimeSpan duration, int clients = 2, IReadOnlyList<string>? extra = null)
    {
        var start = new ProcessStartInfo("runuser", ["-u", "postgres", "--", Binary, "-n", "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-T", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            "-h", node.Address.ToString(), "-p", node.PgPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", .. extra ?? [], "postgres"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
