using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.WalPushClient;

/// <summary>
/// <c>nodeagent-wal-push [--config FILE] PATH</c>: the same arguments and exit codes as <c>nodeagent wal-push</c>.
/// Hands PATH to the running agent over the socket next to FILE; the agent answers only after the object is stored
/// in S3 (or refused). When no agent answers, replaces this process with <c>nodeagent wal-push</c> from the same
/// directory, which archives in-process; a push is idempotent, so a retry either way is safe.
/// </summary>
public static class WalPushClientCommand
{
    public const string DefaultSettingsPath = "/var/lib/nodeagent/postgres/archive.json";

    /// <summary>The full agent binary the client falls back to, expected next to the client.</summary>
    public const string AgentFileName = "nodeagent";

    private const int Ok = 0;
    private const int Failure = 1;
    private const int Usage = 2;
    private const int ArchiveConflict = 9;

    public static int Run(string[] args, TextWriter error)
    {
        string config;
        string path;
        switch (args)
        {
            case [var p] when !p.StartsWith('-'):
                config = DefaultSettingsPath;
                path = p;
                break;
            case ["--config", var c, var p] when !p.StartsWith('-') && !c.StartsWith('-'):
                config = c;
                path = p;
                break;
            default:
                error.WriteLine("usage: nodeagent-wal-push [--config FILE] PATH   (PostgreSQL archive_command; see nodeagent wal-push)");
                return Usage;
        }

        try
        {
            var socket = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(config))!, "wal.sock");
            if (WalSocketClient.TryPush(socket, Path.GetFullPath(path)) is { } reply)
            {
                if (!reply.Ok)
                {
                    error.WriteLine($"nodeagent-wal-push: {path} NOT archived: {(reply.Conflict ? "CONFLICT: " : string.Empty)}{reply.Message}");
                }

                return reply.Ok ? Ok : reply.Conflict ? ArchiveConflict : Failure;
            }

            var agent = Path.Combine(AppContext.BaseDirectory, AgentFileName);
            Exec.Replace(agent, [agent, "wal-push", "--config", config, path]);
            error.WriteLine($"nodeagent-wal-push: {path} NOT archived: no agent on {socket}, and cannot execute {agent}: errno {Exec.LastError}");
            return Failure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine($"nodeagent-wal-push: {path} NOT archived: {ex.Message}");
            return Failure;
        }
    }
}
