using System.Diagnostics;
using NodeAgent.Roles.Db.Postgres.Server;

namespace NodeAgent.Testing.Replication;

/// <summary>
/// A point-in-time restore of the group's archive through <c>nodeagent backup restore</c>, started on a scratch port
/// with this node's own settings taken out (port, listen address, archiving, following a primary), so the copy never
/// touches the group's servers or archive. Waits until recovery has ended.
/// </summary>
public static class RestoredServer
{
    public static async Task<(PostgresCluster Server, string Output)> RestoreAsync(ReplicationNode node, string targetTime, TimeSpan timeout)
    {
        var dir = Path.Combine(node.Dir, $"restore-{Guid.NewGuid():N}"[..20]);
        var restore = await AgentProcess.RunAsync(["backup", "restore", "--user-data", node.UserData, "--to", dir, "--target-time", targetTime], timeout);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        PostgresAutoConf.Apply(dir, new Dictionary<string, string?>
        {
            ["port"] = null,
            ["listen_addresses"] = null,
            ["archive_mode"] = null,
            ["archive_command"] = null,
            ["primary_conninfo"] = null,
            ["synchronous_standby_names"] = null,
            ["synchronous_commit"] = null,
        }, PostgresCluster.PostgresUser);
        var server = await PostgresCluster.AdoptAsync(dir);
        try
        {
            await server.StartServerAsync();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if (!await server.ScalarAsync<bool>("SELECT pg_is_in_recovery()"))
                    {
                        break;
                    }
                }
                catch (Npgsql.NpgsqlException ex)
                {
                    throw new InvalidOperationException($"the restored server does not answer ({ex.Message}):\n{PostgresCluster.Tail(server.Log)}", ex);
                }

                Assert.True(clock.Elapsed < timeout, $"recovery did not end:\n{PostgresCluster.Tail(server.Log)}");
                await Task.Delay(200);
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return (server, restore.Stdout);
    }
}
