using System.ComponentModel;
using System.Runtime.InteropServices;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>chown(2) and the effective uid, which .NET does not expose: restored data directories and the files
/// PostgreSQL's user must read are handed to that user when the agent runs as root.</summary>
public static partial class PosixOwnership
{
    public static bool IsRoot => GetEuid() == 0;

    /// <summary>This process's effective uid.</summary>
    public static int EffectiveUid => (int)GetEuid();

    /// <summary>Changes owner and group of <paramref name="path"/> without following a symlink.</summary>
    public static void Chown(string path, int uid, int gid)
    {
        if (Lchown(path, uid, gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"chown({path}, {uid}, {gid}) failed: {new Win32Exception(errno).Message}", errno);
        }
    }

    /// <summary>Hands a whole tree to a user (directories, files and symlinks themselves).</summary>
    public static void ChownTree(string root, int uid, int gid)
    {
        Chown(root, uid, gid);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Chown(entry, uid, gid);
        }
    }

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lchown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
