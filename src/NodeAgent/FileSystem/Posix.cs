using System.ComponentModel;
using System.Runtime.InteropServices;

namespace NodeAgent.FileSystem;

/// <summary>
/// The few POSIX calls .NET does not expose directly: rename(2) that replaces a symlink without following it, and
/// fsync of a directory so a rename survives a power cut.
/// </summary>
public static partial class Posix
{
    private const int ORdonly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    /// <summary>Atomically renames <paramref name="from"/> over <paramref name="to"/> (rename(2)); a symlink at
    /// <paramref name="to"/> is replaced, never followed.</summary>
    public static void Rename(string from, string to)
    {
        if (NativeRename(from, to) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"rename({from}, {to}) failed: {new Win32Exception(errno).Message}", errno);
        }
    }

    /// <summary>fsyncs a directory, making renames and creations inside it durable.</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Open(path, ORdonly | ODirectory | OCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"open({path}) for fsync failed: {new Win32Exception(errno).Message}", errno);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync({path}) failed: {new Win32Exception(errno).Message}", errno);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeRename(string from, string to);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
