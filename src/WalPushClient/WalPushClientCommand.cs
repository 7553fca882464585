using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.WalPushClient;

/// <summary>
/// <c>nodeagent-wal-push [--config FILE] PATH</c>: the same arguments and exit codes as <c>nodeagent wal-push</c>.
/// Hands PATH to the running agent over the socket next to FILE; the agent answers only after the object is stored
/// in S3 (or refused). When no agent answers, replaces this process with <c>nodeagent wal-push</c> from the same
/// directory, which archives in-process; a push is idempotent, so a retry either way is safe.
/// <para>
/// <c>nodeagent-wal-push --fetch [--config FILE] NAME PATH</c> is restore_command the same way: the running agent
/// restores NAME to PATH (exit 0, 8 when the archive has no such file, 200 when it cannot be read); with no agent, or
/// one that declines the request, <c>nodeagent wal-fetch</c> does it in-process.
/// </para>
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
    private const int NotInArchive = 8;
    private const int ArchiveUnavailable = 200;

    public static int Run(string[] args, TextWriter error)
    {
        if (args is ["--fetch", ..])
        {
            return Fetch(args[1..], error);
        }

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

    private static int Fetch(string[] args, TextWriter error)
    {
        string config;
        string name;
        string path;
        switch (args)
        {
            case [var n, var p] when !n.StartsWith('-') && !p.StartsWith('-'):
                (config, name, path) = (DefaultSettingsPath, n, p);
                break;
            case ["--config", var c, var n, var p] when !c.StartsWith('-') && !n.StartsWith('-') && !p.StartsWith('-'):
                (config, name, path) = (c, n, p);
                break;
            default:
                error.WriteLine("usage: nodeagent-wal-push --fetch [--config FILE] NAME PATH   (PostgreSQL restore_command; see nodeagent wal-fetch)");
                return Usage;
        }

        try
        {
            var socket = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(config))!, "wal.sock");
            if (WalSocketClient.TryFetch(socket, name, Path.GetFullPath(path)) is { Declined: false } reply)
            {
                if (!reply.Ok && !reply.Missing)
                {
                    error.WriteLine($"nodeagent-wal-push: cannot restore {name}: {reply.Message}");
                }

                return reply.Ok ? Ok : reply.Missing ? NotInArchive : ArchiveUnavailable;
            }

            var agent = Path.Combine(AppContext.BaseDirectory, AgentFileName);
            Exec.Replace(agent, [agent, "wal-fetch", "--config", config, name, path]);
            error.WriteLine($"nodeagent-wal-push: cannot restore {name}: no agent on {socket}, and cannot execute {agent}: errno {Exec.LastError}");
            return ArchiveUnavailable;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine($"nodeagent-wal-push: cannot restore {name}: {ex.Message}");
            return ArchiveUnavailable;
        }
    }
}
