using System.Text;
using NodeAgent.Configuration;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// The replication secret where libpq reads it and nobody else can: a passfile (<c>*:*:*:user:password</c>), mode
/// 0600 from its first byte, owned by the database's OS user. primary_conninfo and pg_rewind's source name this file
/// (<c>passfile=…</c>), so the password is never in a process argument, a setting, a log line or the registry.
/// </summary>
public static class ReplicationPassfile
{
    /// <summary>Writes the file if its content differs. Returns true when it was written.</summary>
    public static bool Write(string path, string user, SecretValue password, OsUser? owner)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var content = Encoding.UTF8.GetBytes($"*:*:*:{Escape(user)}:{Escape(password.Reveal())}\n");
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return false;
        }

        var temp = AtomicFile.TempName(path);
        try
        {
            using (var file = UnixModes.Create(temp, UnixModes.Private))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            if (owner is not null && PosixOwnership.IsRoot)
            {
                PosixOwnership.Chown(temp, owner.Uid, owner.Gid);
            }

            Posix.Rename(temp, path);
            Posix.FsyncDirectory(dir);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return true;
    }

    /// <summary>pgpass fields escape ':' and '\' with a backslash.</summary>
    public static string Escape(string field) => field.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);
}
