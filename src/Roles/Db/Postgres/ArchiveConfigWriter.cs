using System.Text;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Writes <see cref="ArchiveSettings"/> where PostgreSQL's archive_command/restore_command (running as the database's
/// OS user) can read them and nobody else can: directory 0750 and file 0640, group-owned by that user when the agent
/// runs as root. Replaced atomically and only when the content changed.
/// </summary>
public static class ArchiveConfigWriter
{
    public const string DefaultPath = "/var/lib/nodeagent/postgres/archive.json";

    /// <summary>The settings file under a node's state directory.</summary>
    public static string PathUnder(string stateDir) => Path.Combine(stateDir, "postgres", "archive.json");

    /// <summary>The agent's socket next to the settings file.</summary>
    public static string SocketNextTo(string settingsPath) => Path.Combine(Path.GetDirectoryName(settingsPath)!, "wal.sock");

    /// <returns>True when the file was written, false when it already had this content.</returns>
    public static bool Write(string path, ArchiveSettings settings, OsUser? group)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        UnixModes.Set(dir, UnixModes.GroupDirectory);
        if (group is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(dir, 0, group.Gid);
        }

        var content = Encoding.UTF8.GetBytes(settings.ToJson());
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return false;
        }

        var temp = Path.Combine(dir, $".archive.json.tmp-{Environment.ProcessId}");
        using (var file = UnixModes.Create(temp, UnixModes.GroupReadable))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }

        UnixModes.Set(temp, UnixModes.GroupReadable);
        if (group is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(temp, 0, group.Gid);
        }

        Posix.Rename(temp, path);
        Posix.FsyncDirectory(dir);
        return true;
    }
}
